package lab

import "fmt"

// Example is the one curl command line that reaches the endpoint as user
// (with password) in domain: POP3 lists the maildrop, IMAP the INBOX (over
// TLS, the mailboxes), SMTP delivers msg.eml to the user, from outside on
// the plain port and as an authenticated submission on the TLS one. The
// TLS ports use the lab's self-signed certificate, so curl needs -k.
// `mailscope serve` prints it and the app's servers panel shows it; ""
// for a protocol curl does not speak here.
func (ep Endpoint) Example(user, password, domain string) string {
	auth := user + ":" + password
	if ep.TLS {
		switch ep.Protocol {
		case POP3, IMAP:
			return fmt.Sprintf("curl -k %ss://%s/ -u %s", ep.Protocol, ep.Addr, auth)
		case SMTP:
			// Not "smtps://host/" alone: without a message curl sends HELP,
			// which the server does not implement (502).
			return fmt.Sprintf("curl -k smtps://%s -u %s --mail-from %s@%s --mail-rcpt %s@%s -T msg.eml",
				ep.Addr, auth, user, domain, user, domain)
		}
		return ""
	}
	switch ep.Protocol {
	case POP3:
		return fmt.Sprintf("curl pop3://%s/ -u %s", ep.Addr, auth)
	case IMAP:
		return fmt.Sprintf("curl imap://%s/INBOX -u %s", ep.Addr, auth)
	case SMTP:
		return fmt.Sprintf("curl smtp://%s --mail-from you@example.org --mail-rcpt %s@%s -T msg.eml", ep.Addr, user, domain)
	}
	return ""
}
