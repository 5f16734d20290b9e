package events

import (
	"encoding/json"

	"github.com/campaignflow/campaignflow/chatinc"
)

// Button is a promo button. Both snake_case (phone_number, journey_id) and
// Chat Inc's camelCase (phoneNumber, journeyId) keys are accepted.
type Button struct {
	Text        string `json:"text"`
	Type        string `json:"type"`
	URL         string `json:"url,omitempty"`
	PhoneNumber string `json:"phone_number,omitempty"`
	JourneyID   string `json:"journey_id,omitempty"`
	Input       string `json:"input,omitempty"`
}

// UnmarshalJSON accepts snake_case and camelCase keys.
func (b *Button) UnmarshalJSON(data []byte) error {
	var raw struct {
		Text        string `json:"text"`
		Type        string `json:"type"`
		URL         string `json:"url"`
		PhoneSnake  string `json:"phone_number"`
		PhoneCamel  string `json:"phoneNumber"`
		JourneySnke string `json:"journey_id"`
		JourneyCaml string `json:"journeyId"`
		Input       string `json:"input"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*b = Button{Text: raw.Text, Type: raw.Type, URL: raw.URL, Input: raw.Input,
		PhoneNumber: first(raw.PhoneSnake, raw.PhoneCamel), JourneyID: first(raw.JourneySnke, raw.JourneyCaml)}
	return nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ChatInc converts the button to the client's type.
func (b Button) ChatInc() chatinc.Button {
	return chatinc.Button{Text: b.Text, Type: b.Type, URL: b.URL, PhoneNumber: b.PhoneNumber,
		JourneyID: b.JourneyID, Input: b.Input}
}

// ChatIncButtons converts buttons to the client's type.
func ChatIncButtons(bs []Button) []chatinc.Button {
	if len(bs) == 0 {
		return nil
	}
	out := make([]chatinc.Button, len(bs))
	for i, b := range bs {
		out[i] = b.ChatInc()
	}
	return out
}
