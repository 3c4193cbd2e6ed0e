# The load clients of the load benchmarks (app/cli/load_bench_test.go's
# BenchmarkLoad against serve, frontend/e2e/bench-load-ui.mjs against the
# app): Python's own libraries, each working flat out until its deadline in
# sessions of a few commands (so that sessions close and the trace's
# retention can set them aside).
#
#   python3 loadclients.py imap|smtp|pop3   prints "done SESSIONS OPS ERRORS SENT"
#   python3 loadclients.py count            prints "ALICE STUDENT" (INBOX sizes)
#
# Environment: IMAP, SMTP, POP3 (host:port), LOAD_SECONDS; the accounts'
# passwords IMAP_PASS (alice, default "alice") and POP3_PASS (student,
# default "secret").
import imaplib
import os
import poplib
import smtplib
import sys
import time


def addr(name):
    h, p = os.environ[name].rsplit(":", 1)
    return h, int(p)


IMAP_PASS = os.environ.get("IMAP_PASS", "alice")
POP3_PASS = os.environ.get("POP3_PASS", "secret")


# What a client did, counted as it goes, so that a session that fails half
# way still counts what it did (a message accepted is a message sent).
st = {"sessions": 0, "ops": 0, "errors": 0, "sent": 0}


def run(session):
    deadline = time.time() + float(os.environ["LOAD_SECONDS"])
    while time.time() < deadline:
        try:
            session()
            st["sessions"] += 1
        except Exception as e:
            st["errors"] += 1
            print("error", type(e).__name__, e, file=sys.stderr, flush=True)
    print("done", st["sessions"], st["ops"], st["errors"], st["sent"], flush=True)


def op(n=1):
    st["ops"] += n


def imap_session():
    h, p = addr("IMAP")
    m = imaplib.IMAP4(h, p, timeout=30)
    m.login("alice", IMAP_PASS); op()
    typ, d = m.select("INBOX"); op()
    n = int(d[0])
    m.fetch("1:*", "(FLAGS RFC822.SIZE ENVELOPE)"); op()
    if n:
        m.fetch("%d:%d" % (max(1, n - 4), n), "(BODY.PEEK[])"); op()
    m.search(None, "ALL"); op()
    m.noop(); op()
    m.logout(); op()


BODY = "Subject: load %d\r\n\r\n" + ("x" * 70 + "\r\n") * 60


def smtp_session():
    h, p = addr("SMTP")
    s = smtplib.SMTP(h, p, timeout=30)
    s.ehlo("load.example")
    for i in range(5):
        s.sendmail("load@example.org", ["alice@mailscope.lab", "student@mailscope.lab"], BODY % st["sent"])
        st["sent"] += 1; op()
    s.quit()


def pop3_session():
    h, p = addr("POP3")
    c = poplib.POP3(h, p, timeout=30)
    c.user("student"); c.pass_(POP3_PASS); op(2)
    n, _ = c.stat(); op()
    c.uidl(); c.list(); op(2)
    for i in range(max(1, n - 2), n + 1):
        c.retr(i); op()
    c.quit()


def count():
    h, p = addr("IMAP")
    m = imaplib.IMAP4(h, p, timeout=30)
    m.login("alice", IMAP_PASS)
    a = int(m.select("INBOX", readonly=True)[1][0])
    m.logout()
    h, p = addr("POP3")
    c = poplib.POP3(h, p, timeout=30)
    c.user("student"); c.pass_(POP3_PASS)
    s = c.stat()[0]
    c.quit()
    print(a, s, flush=True)


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    if what == "count":
        count()
    elif what in ("imap", "smtp", "pop3"):
        run({"imap": imap_session, "smtp": smtp_session, "pop3": pop3_session}[what])
    else:
        sys.exit("usage: loadclients.py imap|smtp|pop3|count")
