package seed

import (
	"fmt"
	"math/rand/v2"

	"github.com/docket/docket/internal/ticket"
)

var types = []ticket.Type{ticket.Incident, ticket.Incident, ticket.Incident, ticket.Request, ticket.Request, ticket.Problem, ticket.Change}

var channels = []ticket.Channel{ticket.ChannelEmail, ticket.ChannelEmail, ticket.ChannelEmail, ticket.ChannelPortal, ticket.ChannelPhone, ticket.ChannelAPI}

var resolutions = []ticket.Resolution{ticket.ResolutionFixed, ticket.ResolutionFixed, ticket.ResolutionWorkaround, ticket.ResolutionKnownIssue, ticket.ResolutionDuplicate}

var locations = []string{"HQ", "Branch", "Remote", "Warehouse"}

// plan returns ticket i (from 0) with its conversation: opened by an agent
// of its team for a requester (a few requesters write often, most seldom),
// then on average Messages-1 more messages alternating agent and
// requester, an internal note now and then, most ending resolved, and
// closed once they are older than settleAfter. Each
// ticket draws from a random source of its own (Seed, i), so tickets are
// planned in any order, in parallel, and come out the same.
func (w *world) plan(i int) ticket.Import {
	r := rand.New(rand.NewPCG(w.o.Seed, uint64(i)+1<<32))
	text := newWriter(r)
	team := r.IntN(len(w.teams))
	agents := w.teamAgents[team]
	agent := agents[r.IntN(len(agents))]
	req := w.requesters[rand.NewZipf(r, 1.2, 50, uint64(len(w.requesters)-1)).Uint64()]
	at := w.start + int64(i)*w.step
	in := ticket.NewTicket{Subject: text.subject(), Body: text.body(20 + r.IntN(80)), Requester: &ticket.Contact{Email: req.Email},
		Type: types[r.IntN(len(types))], Priority: fmt.Sprintf("p%d", 1+r.IntN(4)), Category: pick(r, w.categories),
		Team: w.teams[team], Channel: channels[r.IntN(len(channels))], Tags: text.tags(),
		CustomFields: map[string]any{"location": pick(r, locations)}}
	if r.IntN(10) < 7 {
		in.Assignee = agent.Email
	}
	if r.IntN(3) == 0 {
		in.CustomFields["asset_tag"] = fmt.Sprintf("LT-%05d", r.IntN(100000))
		in.CustomFields["users_affected"] = float64(1 + r.IntN(50))
	}
	imp := ticket.Import{Actor: agent, Ticket: in, At: at}
	extra := 0
	for float64(extra+1) < 2*w.o.Messages-1 && r.Float64() < (w.o.Messages-1)/w.o.Messages {
		extra++
	}
	// A ticket whose conversation ended more than settleAfter ago is
	// settled as a help desk settles them: almost all closed (the agent's
	// last reply closes it, with a resolution), a few left in the
	// backlog. Only the last weeks' tickets are still in play.
	settled := at+replyWindow.Microseconds() < w.o.Now.UnixMicro()-settleAfter.Microseconds()
	if settled && extra == 0 {
		extra = 1
	}
	for k := range extra {
		last := k == extra-1
		// Spread over the reply window, in order.
		rep := ticket.ImportReply{Actor: agent, At: at + replyWindow.Microseconds()*int64(k+1)/int64(extra+1)}
		var status ticket.Status
		var res ticket.Resolution
		switch x := r.IntN(1000); {
		case !last:
		case settled && x < 994:
			status, res = ticket.StatusClosed, resolutions[r.IntN(len(resolutions))]
		case settled && x < 997:
			status = ticket.StatusPending
		case settled:
		case x < 600:
			status, res = ticket.StatusResolved, resolutions[r.IntN(len(resolutions))]
			if w.closeAfter > 0 && rep.At < w.o.Now.UnixMicro()-w.closeAfter {
				status = ticket.StatusClosed // as the time rule has by now
			}
		case x < 700:
			status = ticket.StatusPending
		}
		switch {
		case k%2 == 1 && status == "":
			rep.Actor, rep.Reply = req, ticket.NewReply{Body: text.body(10 + r.IntN(40)), Channel: ticket.ChannelEmail}
		case r.IntN(6) == 0 && status == "":
			rep.Reply = ticket.NewReply{Body: text.body(8 + r.IntN(20)), Internal: true}
		default:
			rep.Reply = ticket.NewReply{Body: text.body(15 + r.IntN(50)), Status: status, Resolution: res}
		}
		imp.Replies = append(imp.Replies, rep)
	}
	return imp
}
