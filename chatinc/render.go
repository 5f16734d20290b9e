package chatinc

// RenderMessage is msg as one contact reads it: Chat Inc replaces each
// {group.field} placeholder (Placeholders) with that contact's value of
// field in variable group group. value gives the value of a placeholder;
// one it does not know (ok false) stays as written. Braces that are not a
// placeholder are plain text, as for Chat Inc.
func RenderMessage(msg string, value func(p Placeholder) (v string, ok bool)) string {
	if value == nil {
		return msg
	}
	return placeholderRE.ReplaceAllStringFunc(msg, func(m string) string {
		sub := placeholderRE.FindStringSubmatch(m)
		if v, ok := value(Placeholder{Group: sub[1], Field: sub[2]}); ok {
			return v
		}
		return m
	})
}
