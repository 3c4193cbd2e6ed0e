package smtpd

import (
	"github.com/emersion/go-sasl"
)

// loginServer is the server side of the LOGIN mechanism
// (draft-murchison-sasl-login-00): the server asks "Username:" and then
// "Password:", and the client answers each in base64. go-smtp does the
// base64 and the "334" lines; a client may send the user name as an
// initial response (AUTH LOGIN dXNlcg==) and skip the first question.
type loginServer struct {
	authenticate func(user, pass string) error
	step         int // 0: start, 1: asked for the user name, 2: asked for the password, 3: done
	user         string
}

var _ sasl.Server = (*loginServer)(nil)

var (
	loginUsername = []byte("Username:") // "334 VXNlcm5hbWU6"
	loginPassword = []byte("Password:") // "334 UGFzc3dvcmQ6"
)

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if response == nil { // no initial response
			l.step = 1
			return loginUsername, false, nil
		}
		l.user = string(response)
		l.step = 2
		return loginPassword, false, nil
	case 1:
		l.user = string(response)
		l.step = 2
		return loginPassword, false, nil
	case 2:
		l.step = 3
		return nil, true, l.authenticate(l.user, string(response))
	}
	return nil, true, sasl.ErrUnexpectedClientResponse
}
