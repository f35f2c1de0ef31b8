"""`brandguard web` and `brandguard digest` in headless Chromium, against the private Postfix's real hold queue."""
from __future__ import annotations

import json
import os
import re
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

from brandguard.web import links
from brandguard.web.auth import hash_password
from fixtures.policies import make_policy_dir
from fixtures.support import free_port, poll, port_open, stop_process

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long test password"
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1280,900")
HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
LURE = ("Your Norton LifeLock subscription was renewed and $399.99 will be charged today. If you did not "
        "authorise this payment call Norton billing support at +1 (888) 555-0142 within 24 hours to cancel.")
# docs/screenshots/ is refreshed when this is set (`make screenshots`); otherwise no pictures are taken
SHOTS = os.environ.get("BRANDGUARD_SCREENSHOTS")
DIGEST_FROM = "quarantine@mx.brandguard.test"
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "milter")}


def send(postfix, subject: str, rcpt: str, body: str = "Hello,\nthe minutes of Monday's meeting.\n",
         html: str | None = None, sender: str = "alice@example.org") -> None:
    msg = EmailMessage()
    msg["From"] = f"Alice <{sender}>"
    msg["To"] = rcpt
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@example.org>"
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    with smtplib.SMTP("127.0.0.1", postfix.ports["main"], timeout=60) as smtp:
        smtp.sendmail(sender, [rcpt], msg.as_bytes())


def held_id(postfix, marker: str) -> str:
    """The queue id of the message whose subject carries `marker`, once it is on the hold queue."""
    def find() -> str | None:
        out = subprocess.run([sys.executable, "-m", "brandguard", "quarantine", "list", "--json", "--config-dir",
                              str(postfix.conf)], capture_output=True, text=True, env=ENV, timeout=120).stdout
        return next((r["queue_id"] for r in map(json.loads, out.splitlines()) if marker in r["subject"]), None)
    return poll(find, 30, f"held message {marker}")


class Web:
    """A `brandguard web` subprocess on a free loopback port, with one admin and a digest relay (the sink)."""

    def __init__(self, work: Path, postfix, daemon_settings: Path):
        self.work, self.port = work, free_port()
        (work / "accounts").write_text(f"admin:{hash_password(PASSWORD)}\n")
        self.config = work / "web.yaml"
        self.config.write_text(json.dumps({
            "port": self.port, "accounts_file": "accounts", "secret_key_file": "secret.key",
            "postfix_config_dir": str(postfix.conf), "brandguard_command": [sys.executable, "-m", "brandguard"],
            "brandguard_config": str(daemon_settings),
            "digest": {"smtp_port": postfix.sink.port, "from": DIGEST_FROM,
                       "link_base_url": f"http://localhost:{self.port}/", "default_mode": "release"},
        }))
        self.base = f"http://localhost:{self.port}"
        with open(work / "web.log", "ab") as log:
            self.proc = subprocess.Popen([sys.executable, "-m", "brandguard", "web", "--config", str(self.config)],
                                         stdout=log, stderr=subprocess.STDOUT, env=ENV, cwd=work)
        poll(self._ready, 30, "brandguard web")

    def _ready(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"brandguard web exited: {(self.work / 'web.log').read_text()}")
        return port_open(self.port)

    def key(self) -> bytes:
        return links.link_key((self.work / "secret.key").read_bytes().strip())

    def digest(self) -> None:
        proc = subprocess.run([sys.executable, "-m", "brandguard", "digest", "--send", "--config", str(self.config)],
                              capture_output=True, text=True, env=ENV, timeout=300)
        assert proc.returncode == 0, proc.stderr


@pytest.fixture(scope="module")
def web(postfix, brandguard_unix):
    work = Path(tempfile.mkdtemp(prefix="bg-web-"))
    # a copy of the daemon's policy: the evidence is read with it, and "allow" writes to its local.d
    daemon_settings = work / "settings.yaml"
    daemon_settings.write_text(json.dumps({"policy": str(make_policy_dir(work / "policies"))}))
    w = Web(work, postfix, daemon_settings)
    yield w
    stop_process(w.proc)
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def browser():
    profile = tempfile.mkdtemp(prefix="bg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def marker() -> str:
    return f"w{uuid.uuid4().hex[:12]}"


def shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


def text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def login(driver, web) -> None:
    driver.get(f"{web.base}/login")
    driver.find_element(By.ID, "username").send_keys("admin")
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    shot(driver, "login")
    driver.find_element(By.ID, "login").click()
    poll(lambda: driver.current_url == f"{web.base}/", 20, "the held list after login")


def inert(driver) -> None:
    """Nothing from the held mail ran: no alert, title as the template wrote it, no script or img element."""
    with pytest.raises(NoAlertPresentException):
        driver.switch_to.alert.text  # noqa: B018 - the property raises when there is no alert
    assert "pwned" not in driver.title and driver.title.endswith("· brandguard")
    assert driver.find_elements(By.TAG_NAME, "script") == [] and driver.find_elements(By.TAG_NAME, "img") == []


def test_admin_reads_evidence_and_releases_a_false_positive(postfix, web, browser, marker):
    rcpt = f"{marker}@example.net"
    send(postfix, f"BG-QUARANTINE Norton renewal {marker}-lure", rcpt, body=LURE, sender="billing@example.org")
    send(postfix, f"BG-QUARANTINE minutes {marker}-fp", rcpt)
    lure, fp = held_id(postfix, f"{marker}-lure"), held_id(postfix, f"{marker}-fp")
    login(browser, web)
    browser.get(f"{web.base}/?recipient={marker}")
    listed = text(browser)
    assert lure in listed and fp in listed and "test-quarantine" in listed
    shot(browser, "held-list")
    browser.find_element(By.LINK_TEXT, lure).click()
    poll(lambda: browser.find_elements(By.ID, "findings"), 30, "the message page")
    findings = browser.find_element(By.ID, "findings").text
    assert "norton" in findings.lower() and "+1 (888) 555-0142" in text(browser)
    assert browser.find_element(By.ID, "verdict").text == "quarantine"
    shot(browser, "message")
    # "allow this sender": `brandguard allow` through the helper, into the policy's local.d
    domain = browser.find_element(By.NAME, "domain")
    domain.clear()
    domain.send_keys(f"{marker}.example")
    browser.find_element(By.NAME, "reason").send_keys("authorised reseller")
    browser.find_element(By.ID, "allow").click()
    poll(lambda: browser.find_elements(By.ID, "outcome"), 60, "the allow result")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Allowed", text(browser)
    allowed = (web.work / "policies" / "local.d" / "allow.yaml").read_text()
    assert f"sender_domain: [{marker}.example]" in allowed and "brands: [norton]" in allowed
    assert "authorised reseller (via brandguard web, by admin)" in allowed
    browser.get(f"{web.base}/m/{fp}")
    browser.find_element(By.ID, "release").click()
    poll(lambda: browser.find_elements(By.ID, "confirm"), 20, "the confirmation page")
    shot(browser, "confirm-release")
    browser.find_element(By.ID, "confirm").click()
    poll(lambda: browser.find_elements(By.ID, "results"), 60, "the result page")
    assert f"{fp}: released" in browser.find_element(By.ID, "results").text
    assert postfix.sink.wait_for(f"{marker}-fp")["X-Brandguard-Verdict"] == "quarantine"
    assert lure in {q["queue_id"] for q in postfix.held()} and not postfix.sink.find(f"{marker}-lure")
    postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", lure, "hold")


def test_hostile_held_mail_stays_inert(postfix, web, browser, marker):
    send(postfix, f"BG-QUARANTINE {HOSTILE} \u202egnp.exe {marker}", f"{marker}@example.net", body=f"text {HOSTILE}",
         html=f"<p>Dear customer</p>{HOSTILE}<iframe src='https://evil.example/'></iframe>")
    qid = held_id(postfix, marker)
    login(browser, web)
    for path in (f"/?recipient={marker}", f"/m/{qid}"):
        browser.get(web.base + path)
        poll(lambda: marker in text(browser), 20, "the page")
        inert(browser)
        assert "<script>document.title='pwned'</script>" in text(browser)
        assert "\u202e" not in text(browser) and "\\u202e" in text(browser)
    assert "Dear customer" in browser.find_element(By.ID, "body").text
    assert browser.find_elements(By.TAG_NAME, "iframe") == []
    postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", qid, "hold")


def test_user_releases_only_their_own_message_from_the_digest(postfix, web, browser, marker):
    mine, theirs = f"{marker}-user@example.net", f"{marker}-other@example.net"
    send(postfix, f"BG-QUARANTINE invoice {marker}-mine", mine)
    send(postfix, f"BG-QUARANTINE invoice {marker}-theirs", theirs)
    own, other = held_id(postfix, f"{marker}-mine"), held_id(postfix, f"{marker}-theirs")
    web.digest()
    body = postfix.sink.wait_for(f"for {mine}").get_payload(decode=True).decode()
    urls = re.findall(r"http://\S+", body)
    assert len(urls) == 1 and f"/m/{own}" not in body and "minutes" not in body
    browser.get(urls[0])
    assert f"{marker}-mine" in text(browser) and f"{marker}-theirs" not in text(browser)
    shot(browser, "digest-link")
    browser.find_element(By.ID, "go").click()
    poll(lambda: browser.find_elements(By.ID, "outcome"), 60, "the release result")
    assert browser.find_element(By.ID, "outcome").text == "Released"
    postfix.sink.wait_for(f"{marker}-mine")
    held = {q["queue_id"] for q in postfix.held()}
    assert own not in held and other in held
    assert all(m["from"] == DIGEST_FROM for m in postfix.sink.find(f"{marker}-theirs"))  # only its digest
    # the same link for the other recipient's message, or an altered or expired one: refused
    token = urls[0].rsplit("/", 1)[1]
    forged = links.sign(b"not the key" * 4, links.Link("release", other, mine, int(time.time()) + 3600))
    expired = links.sign(web.key(), links.Link("release", other, theirs, int(time.time()) - 60))
    for bad in (token[:-4] + "AAAA", forged, expired):
        browser.get(f"{web.base}/u/{bad}")
        assert "This link is not valid" in browser.find_element(By.ID, "error").text
    assert other in {q["queue_id"] for q in postfix.held()}
    postfix.cmd("postsuper", "-c", str(postfix.conf), "-d", other, "hold")
    metrics = urllib.request.urlopen(f"{web.base}/metrics", timeout=10).read().decode()
    assert 'brandguard_web_actions_total{action="release",source="digest"} 1.0' in metrics
    assert re.search(r'brandguard_web_refused_links_total\{reason="(invalid|expired)"\} [1-9]', metrics)
