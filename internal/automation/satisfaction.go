package automation

import (
	"encoding/json"
)

// Fields of a satisfaction.received event: the requester's rating.
const (
	FieldSatisfactionScore     = "satisfaction.score"     // good, bad, or 1 to 5
	FieldSatisfactionSentiment = "satisfaction.sentiment" // positive, neutral or negative
	FieldSatisfactionComment   = "satisfaction.comment"
)

// SatisfactionFields are the rating's fields, in the order forms offer them.
var SatisfactionFields = []string{FieldSatisfactionScore, FieldSatisfactionSentiment, FieldSatisfactionComment}

// Rated is the rating a satisfaction.received event carries.
type Rated struct {
	Score     string `json:"score"`
	Sentiment string `json:"sentiment"`
	Comment   string `json:"comment"`
}

func satisfactionField(name string) (field, bool) {
	switch name {
	case FieldSatisfactionScore:
		return field{kind: kChoice, rating: "score"}, true
	case FieldSatisfactionSentiment:
		return field{kind: kChoice, rating: "sentiment"}, true
	case FieldSatisfactionComment:
		return field{kind: kText, rating: "comment"}, true
	}
	return field{}, false
}

// ratedFrom reads the rating of a satisfaction.received payload.
func ratedFrom(payload []byte) *Rated {
	var r Rated
	if json.Unmarshal(payload, &r) != nil || r.Score == "" {
		return nil
	}
	return &r
}

// ratingValues are the values of the rating's part for a condition: none
// on an event without a rating, so such a condition does not hold.
func (f *Facts) ratingValues(part string) []string {
	r := f.Satisfaction
	switch {
	case r == nil:
		return nil
	case part == "score":
		return []string{r.Score}
	case part == "sentiment":
		return []string{r.Sentiment}
	}
	return []string{r.Comment}
}
