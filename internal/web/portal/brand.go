package portal

import (
	"net/http"
	"strconv"
)

// brandStylesheet serves the brand's colour as CSS; its URL carries the
// brand's version, so it may be cached for long.
func (p *Portal) brandStylesheet(w http.ResponseWriter, r *http.Request) error {
	b := p.Branding()
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err := w.Write([]byte(b.Stylesheet()))
	return err
}

// brandLogo serves the uploaded logo (404 when there is none), as the
// image type its content was sniffed as, never as anything a browser
// would run.
func (p *Portal) brandLogo(w http.ResponseWriter, r *http.Request) error {
	data, ct, err := p.Brand.LogoData(r.Context())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "public, max-age=86400")
	_, err = w.Write(data)
	return err
}
