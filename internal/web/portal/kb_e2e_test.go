package portal_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/docket/docket/internal/apptest"
	"github.com/docket/docket/internal/db"
	"github.com/docket/docket/internal/kb"
	"github.com/docket/docket/internal/user"
)

// On a phone (390 px wide) a visitor finds an article through a topic
// and through search, reads it without scrolling sideways, and says it
// helped: in Chromium.
func TestKBOnAPhone(t *testing.T) {
	e := apptest.Server(t, apptest.DB(t, db.SQLite))
	agent := apptest.User(t, e.Services, user.RoleAgent, "")
	name := "Network and remote access"
	cat, err := e.KB.CreateCategory(ctx, apptest.Setup, kb.CategoryInput{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	a := kbArticle(t, e, agent, "Connecting to the VPN from home",
		"1. Install the **VPN client** from the software centre.\n2. Sign in with your account.\n\n"+
			"```\nvpn connect --profile office-gateway-with-a-very-long-name-that-does-not-wrap\n```\n\n"+
			"| Setting | Value |\n| --- | --- |\n| Gateway | vpn.example.test |\n", "public", "published")
	slug := cat.Slug
	if _, err := e.KB.Update(ctx, agent, a.ID, 0, kb.ArticleInput{Category: &slug}); err != nil {
		t.Fatal(err)
	}
	kbArticle(t, e, agent, "Printing from a laptop", "Add the printer in the settings.", "public", "published")

	b := browser(t)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(b, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	fits := func(page string) {
		t.Helper()
		w, err := chromedp.Run(b, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if w > 390 {
			t.Errorf("%s is %d px wide on a 390 px phone", page, w)
		}
	}
	// A click or a submit that loads another page is waited for with
	// waitJS, on the new page once loaded: a query started on the page
	// being left could wait on it for ever (a CI run stopped at the
	// article after 90 s), and a script run while the next one replaces
	// it finds no document.
	loaded := func(what, js string) {
		t.Helper()
		waitJS(t, b, what, `document.readyState === "complete" && `+js)
	}
	run("phone", chromedp.EmulateViewport(390, 844))
	run("home", chromedp.Navigate(e.URL+"/kb/"), chromedp.WaitVisible("#kb-categories"))
	fits("the home page")
	run("topic", chromedp.Click("#kb-categories a"))
	loaded("the topic page", `location.pathname !== "/kb/" && !!document.querySelector("#kb-articles")`)
	fits("the topic page")
	run("search", chromedp.Navigate(e.URL+"/kb/"), chromedp.WaitVisible("#kb-q"), chromedp.SendKeys("#kb-q", "vpn connect"),
		chromedp.Submit("#kb-q"))
	loaded("the search results", `location.search.includes("q=") && !!document.querySelector("#kb-articles a")`)
	fits("the search results")
	run("article", chromedp.Click("#kb-articles a"))
	loaded("the article", `!!document.querySelector("#kb-body")`)
	fits("the article")
	title, err := chromedp.Run(b, chromedp.Text("h1"))
	if err != nil || title != a.Title {
		t.Fatalf("opened %q (%v)", title, err)
	}
	shots(t, b, "kb-article")
	run("vote", chromedp.Click("#vote-yes"))
	loaded("the vote's answer", `!!document.querySelector("#flash")`)
	if v, err := e.KB.Votes(ctx, agent, a.ID); err != nil || v.Yes != 1 {
		t.Fatalf("votes %+v %v", v, err)
	}
	run("back home", chromedp.Navigate(e.URL+"/kb/"), chromedp.WaitVisible("#kb-categories"))
	shots(t, b, "kb-home")
}
