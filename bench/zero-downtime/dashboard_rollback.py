"""Row (r) of bench/zero-downtime.sh: a Rollback asked of the running dashboard, as its button asks it.

Usage: dashboard_rollback.py DASHBOARD_URL ENVIRONMENT COMMIT VERSION MARKS
The password comes from DASHBOARD_PASSWORD. Signs in and opens the confirmation page first (not measured), then appends
"op VERSION" to MARKS right before it sends the confirmed form, and "end" when the dashboard answered: the load generator
measures from that mark, so neither this script's start nor the sign-in counts. Exits 1 unless the answer is the 303 of a
rollback started.
"""
import http.cookiejar
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def csrf_of(page, action):
    """The token of the form that posts to ACTION (a signed-in page has the sign-out form's too)."""
    match = re.search(rf'<form [^>]*action="{re.escape(action)}">.*?name="csrf" value="([^"]+)"', page)
    if not match:
        raise SystemExit(f"Error: no CSRF token in the dashboard's page:\n{page[:500]}")
    return match.group(1)


def main(argv):
    if len(argv) != 6:
        print(__doc__, file=sys.stderr)
        return 2
    url, environment, commit, version, marks = argv[1:]
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), NoRedirect())

    def get(path):
        with opener.open(url.rstrip("/") + path, timeout=10) as answer:
            return answer.read().decode()

    def post(path, fields):
        try:
            with opener.open(url.rstrip("/") + path, urllib.parse.urlencode(fields).encode(), timeout=30) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as answer:
            return answer.code, answer.read().decode()

    status, page = post("/signin", {"name": "bench", "password": os.environ["DASHBOARD_PASSWORD"], "csrf": csrf_of(get("/signin"), "/signin")})
    if status != 303:
        raise SystemExit(f"Error: the dashboard refused the sign-in ({status}): {page[:300]}")
    token = csrf_of(get(f"/env/{environment}/rollback?to={commit}"), f"/env/{environment}/rollback")

    with open(marks, "a", encoding="utf-8") as out:
        out.write(f"{time.time():.6f} op {version}\n")
    status, page = post(f"/env/{environment}/rollback", {"to": commit, "csrf": token})
    with open(marks, "a", encoding="utf-8") as out:
        out.write(f"{time.time():.6f} end\n")
    if status != 303:
        raise SystemExit(f"Error: the dashboard answered the rollback with {status}: {page[:300]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
