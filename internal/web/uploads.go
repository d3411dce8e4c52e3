package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/docket/docket/internal/attachment"
	"github.com/docket/docket/internal/fault"
	"github.com/docket/docket/internal/user"
)

// SaveUploads stores the files of a multipart form's field "files" for a,
// each up to max bytes, and returns their ids.
func SaveUploads(r *http.Request, store *attachment.Service, a *user.Actor, max int64) ([]string, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var ids []string
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue
		}
		if fh.Size > max {
			return nil, fault.Field("files", "%s is larger than %s", fh.Filename, HumanSize(max))
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		att, err := SaveFile(r.Context(), store, a, fh.Filename, f)
		f.Close()
		if err != nil {
			return nil, err
		}
		ids = append(ids, att.ID)
	}
	return ids, nil
}

// SaveFile stores one uploaded file with the content type read from its
// first bytes; what the browser claimed is ignored.
func SaveFile(ctx context.Context, store *attachment.Service, a *user.Actor, filename string, f io.ReadSeeker) (*attachment.Attachment, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	ct, _, _ := mime.ParseMediaType(http.DetectContentType(head[:n]))
	return store.Save(ctx, a, filename, ct, f)
}

// HumanSize writes a number of bytes for people: "512 B", "1.5 MB".
func HumanSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}
