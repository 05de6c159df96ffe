package httpapi

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
)

// checkURLs refuses a request whose path or query holds, once decoded, a NUL or bytes
// that are not UTF-8, as the body checker refuses them in bodies: no id or value
// feedwire stores can hold them, and Postgres refuses such text outright rather than
// find nothing. A path that does is a 404, since it names nothing; a query value is a
// 422 on its parameter.
func checkURLs(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !storable(r.URL.Path) {
			writeURLProblem(w, http.StatusNotFound, "path", "the path names nothing: it holds a NUL character or bytes that are not UTF-8")
			return
		}
		for name, values := range r.URL.Query() {
			for _, v := range values {
				if !storable(name) || !storable(v) {
					writeURLProblem(w, http.StatusUnprocessableEntity, "query."+strings.ToValidUTF8(name, "?"),
						"holds a NUL character or bytes that are not UTF-8")
					return
				}
			}
		}
		next.ServeHTTP(w, r)
	})
}

// storable reports whether text can be kept as it is: valid UTF-8 without NUL.
func storable(text string) bool {
	return utf8.ValidString(text) && !strings.ContainsRune(text, 0)
}

func writeURLProblem(w http.ResponseWriter, status int, location, message string) {
	writeProblem(w, &huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: message,
		Errors: []*huma.ErrorDetail{{Location: location, Message: message}}})
}
