package client

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
)

// UploadAttachment uploads a file (multipart, field "file") and returns its
// description; put its ID in a message's Attachments to attach it. The
// server sniffs the content type from the content.
//
// The multipart boundary is derived from the file name and content, so the
// same upload sends the same bytes: a retry with WithIdempotencyKey is
// recognized as the same request. An io.ReadSeeker is read twice (hashed,
// then streamed); any other reader is buffered in memory.
func (c *Client) UploadAttachment(ctx context.Context, filename string, content io.Reader, opts ...Option) (*Attachment, error) {
	h := sha256.New()
	io.WriteString(h, filename+"\x00")
	if rs, ok := content.(io.ReadSeeker); ok {
		start, err := rs.Seek(0, io.SeekCurrent)
		if err == nil {
			_, err = io.Copy(h, rs)
		}
		if err == nil {
			_, err = rs.Seek(start, io.SeekStart)
		}
		if err != nil {
			return nil, fmt.Errorf("docket: read %s: %w", filename, err)
		}
	} else {
		var buf bytes.Buffer
		if _, err := io.Copy(io.MultiWriter(&buf, h), content); err != nil {
			return nil, fmt.Errorf("docket: read %s: %w", filename, err)
		}
		content = &buf
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	if err := mw.SetBoundary("docket-" + hex.EncodeToString(h.Sum(nil))[:40]); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		part, err := mw.CreateFormFile("file", filename)
		if err == nil {
			_, err = io.Copy(part, content)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+"/api/v1/attachments", pr)
	if err != nil {
		pr.Close()
		<-done
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	var a Attachment
	_, err = c.send(req, &a, opts...)
	// Unblock the writer if the server answered before reading everything,
	// and let it finish before content goes back to the caller.
	pr.CloseWithError(io.ErrClosedPipe)
	<-done
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// Download is a downloaded attachment.
type Download struct {
	Body []byte
	// ContentType is the served type: the sniffed type for images shown
	// inline, application/octet-stream otherwise.
	ContentType string
	// ContentDisposition says inline or attachment, with the filename.
	ContentDisposition string
	Header             http.Header
}

// DownloadAttachment fetches attachment id's content. Attachments the
// caller may not see are 404.
func (c *Client) DownloadAttachment(ctx context.Context, id string, opts ...Option) (*Download, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/v1/attachments/"+escape(id), nil)
	if err != nil {
		return nil, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for _, o := range opts {
		o(req)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return nil, problem(resp)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("docket: download %s: %w", id, err)
	}
	return &Download{Body: b, ContentType: resp.Header.Get("Content-Type"),
		ContentDisposition: resp.Header.Get("Content-Disposition"), Header: resp.Header}, nil
}

// problem reads an error response into an *Error.
func problem(resp *http.Response) *Error {
	e := &Error{Status: resp.StatusCode, Header: resp.Header}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	_ = json.Unmarshal(b, e)
	if e.Status == 0 {
		e.Status = resp.StatusCode
	}
	return e
}
