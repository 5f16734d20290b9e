package chatinc

import (
	"context"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
)

var identRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// AddContactsFromCSV uploads a CSV with a "number" column into the audience
// f.ID (created with f.Name when new). The file streams through a pipe: it is
// never held in memory. When f.File is an io.Seeker a failed upload is
// retried from the start; otherwise it is tried once.
func (c *Client) AddContactsFromCSV(ctx context.Context, f AudienceFile) (*UploadResult, error) {
	if f.ID == "" || f.Name == "" {
		return nil, invalid("id, name", "both are required for an audience upload")
	}
	return c.upload(ctx, pathAudienceFromFile, f.File, f.FileName, [][2]string{{"id", f.ID}, {"name", f.Name}})
}

// CreateVariableGroupFromCSV uploads a CSV (number plus one column per field)
// into the variable group f.ID; its numbers also join audience f.AudienceID.
func (c *Client) CreateVariableGroupFromCSV(ctx context.Context, f VariableGroupFile) (*UploadResult, error) {
	if f.ID == "" || f.Name == "" || f.AudienceID == "" {
		return nil, invalid("id, name, audienceId", "all are required for a variable group upload")
	}
	return c.upload(ctx, pathVariableGroupFromFile, f.File, f.FileName,
		[][2]string{{"id", f.ID}, {"name", f.Name}, {"audienceId", f.AudienceID}})
}

func (c *Client) upload(ctx context.Context, endpoint string, file io.Reader, name string, fields [][2]string) (*UploadResult, error) {
	if file == nil {
		return nil, invalid("file", "is required")
	}
	if name == "" {
		name = "upload.csv"
	}
	seeker, canRewind := file.(io.Seeker)
	first := true
	body := func() (io.Reader, string, error) {
		if !first {
			if !canRewind {
				return nil, "", errors.New("chatinc: upload cannot be retried: the file is not seekable")
			}
			if _, err := seeker.Seek(0, io.SeekStart); err != nil {
				return nil, "", err
			}
		}
		first = false
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			err := writeMultipart(mw, file, name, fields)
			if err == nil {
				err = mw.Close()
			}
			_ = pw.CloseWithError(err)
		}()
		return pr, mw.FormDataContentType(), nil
	}
	var out UploadResult
	err := c.do(ctx, call{endpoint: endpoint, method: http.MethodPost, body: body, idempotent: canRewind, handle: c.decodeInto(&out)})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

func writeMultipart(mw *multipart.Writer, file io.Reader, name string, fields [][2]string) error {
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	part, err := mw.CreateFormFile("file", name)
	if err != nil {
		return err
	}
	_, err = io.Copy(part, file)
	return err
}
