"""Sign in to a running quick start as a demo user and expect the home page.

Usage: sign_in_check.py BASE_URL USERNAME TEXT_EXPECTED_ON_HOME
"""

import http.cookiejar
import re
import sys
import urllib.parse
import urllib.request

DEMO_PASSWORD = "Depok-Demo-2026"


def main(base_url: str, username: str, expected: str) -> int:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    sign_in_url = f"{base_url}/accounts/sign-in/"
    page = opener.open(sign_in_url, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "username": username, "password": DEMO_PASSWORD}
    ).encode()
    request = urllib.request.Request(sign_in_url, data=form, headers={"Referer": sign_in_url})
    response = opener.open(request, timeout=30)
    home = opener.open(f"{base_url}/", timeout=30)
    body = home.read().decode()
    if home.status != 200 or expected not in body:
        print(f"FAIL: {username} did not reach a home page showing {expected!r} (last URL {response.url})")
        return 1
    print(f"ok: {username} signed in and sees {expected!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
