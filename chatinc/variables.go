package chatinc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
)

// CreateVariableGroup creates a variable group, or merges fields and values
// into an existing one with the same id. Values are keyed by number and sent
// in batches; a value for a field not in Fields is refused before sending.
func (c *Client) CreateVariableGroup(ctx context.Context, g VariableGroup) (*VariableGroupResult, error) {
	if g.ID == "" {
		return nil, invalid("id", "is required")
	}
	for i, f := range g.Fields {
		if !identRE.MatchString(f) {
			return nil, invalid(fmt.Sprintf("fields[%d]", i), "%q may only hold letters, digits, _ and -", f)
		}
	}
	for i, v := range g.Values {
		if v.Number == "" {
			return nil, invalid(fmt.Sprintf("values[%d].number", i), "is required")
		}
		for k := range v.Values {
			if !slices.Contains(g.Fields, k) {
				return nil, invalid(fmt.Sprintf("values[%d].%s", i, k), "is not one of fields %v", g.Fields)
			}
		}
	}
	res := &VariableGroupResult{ID: g.ID, Name: g.Name, Fields: g.Fields}
	var buf bytes.Buffer
	for start := 0; start == 0 || start < len(g.Values); start += c.batch {
		end := min(start+c.batch, len(g.Values))
		buf.Reset()
		encodeVariableBatch(&buf, g, g.Values[start:end], start == 0)
		body := buf.Bytes()
		var out VariableGroupResult
		err := c.do(ctx, call{endpoint: pathCreateVariableGroup, method: http.MethodPost, idempotent: true,
			body:   func() (io.Reader, string, error) { return bytes.NewReader(body), "application/json", nil },
			handle: c.decodeInto(&out)})
		if err != nil {
			return res, fmt.Errorf("chatinc: variable group %q: values %d-%d: %w", g.ID, start, end-1, err)
		}
		res.Added += out.Added
		res.Total = out.Total
		if len(out.Fields) > 0 {
			res.Fields = out.Fields
		}
		if end == len(g.Values) {
			break
		}
	}
	return res, nil
}

func encodeVariableBatch(buf *bytes.Buffer, g VariableGroup, vals []VariableValues, first bool) {
	buf.WriteString(`{"id":`)
	writeJSONString(buf, g.ID)
	if g.Name != "" {
		buf.WriteString(`,"name":`)
		writeJSONString(buf, g.Name)
	}
	if first && g.Description != "" {
		buf.WriteString(`,"description":`)
		writeJSONString(buf, g.Description)
	}
	buf.WriteString(`,"fields":[`)
	for i, f := range g.Fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, f)
	}
	buf.WriteString(`],"values":[`)
	for i, v := range vals {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString(`{"number":`)
		writeJSONString(buf, v.Number)
		for _, f := range g.Fields {
			if x, ok := v.Values[f]; ok {
				buf.WriteByte(',')
				writeJSONString(buf, f)
				buf.WriteByte(':')
				writeJSONString(buf, x)
			}
		}
		buf.WriteByte('}')
	}
	buf.WriteString("]}")
}

// RetrieveVariableGroups lists the variable groups.
func (c *Client) RetrieveVariableGroups(ctx context.Context) ([]VariableGroupInfo, error) {
	var out []VariableGroupInfo
	err := c.do(ctx, call{endpoint: pathRetrieveVariableGroups, method: http.MethodPost, idempotent: true,
		body: jsonBody(struct{}{}), handle: c.decodeInto(&out)})
	return out, err
}
