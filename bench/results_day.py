"""Benchmark: the results-day morning rush on the learner results page and API (issue 7).

Builds a series in PostgreSQL: N learners with one to three registrations each (BTEC National
Business sizes), their unit results and external entries, claimed and awarded by a real
`resultsday award` run, with the learner release time an hour ago. Starts gunicorn on it with
DEBUG off, signs learners in (a few through the real sign-in form; the rest with sessions and
API keys made as sign-in makes them), and drives learners' /my/ pages and GET /api/v1/my/results
from a keep-alive load generator (asyncio, raw HTTP/1.1) for --seconds. In the same run and
against the same server it drives /health/ (a view that does nothing, through the same
middleware) for the framework's ceiling; the two loads take turns in slices of a few seconds,
so that other work on the machine weighs on both alike. Prints requests/s, p50/p99 latency,
errors and the CPU per request of the server, of PostgreSQL's backends on the bench database,
of redis-server (shared: anything else using it counts too) and of the load generator for
each, and the ratio. Page requests carry the CSRF cookie a signed-in browser holds. Every
response is checked: a non-200, or a page or API answer without a visible result, counts as an
error. The results cache is emptied and then warmed with `resultsday results-cache --warm`
(results, page bodies and API answers), as an AO would before the learner release (--cold skips
the warming: every learner's first look is then a miss).

Targets on a two-core machine: >= 500 requests/s, p99 <= 200 ms, no errors, ratio >= 0.5.

Run:  .venv/bin/python bench/results_day.py [--learners 20000] [--seconds 60]
      (PostgreSQL at DATABASE_URL_PG, default postgres://postgres@127.0.0.1:5432/resultsday_bench_results;
       Redis at REDIS_URL_BENCH, default redis://127.0.0.1:6379/15, used when it answers; --no-redis
       runs without the results cache)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import http.client
import json
import multiprocessing
import os
import random
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PG_DEFAULT = "postgres://postgres@127.0.0.1:5432/resultsday_bench_results"
REDIS_DEFAULT = "redis://127.0.0.1:6379/15"
QUALIFICATIONS = ["601/7155/8", "601/7159/5", "601/7161/3", "601/7157/1", "601/7160/1"]
GRADES_INTERNAL = ["P", "P", "M", "M", "M", "D", "D", "D"]
GRADES_EXTERNAL = ["N", "P", "P", "M", "M", "D", "D"]
PASSWORD = "results-day-bench-password"
PAGE, API = "page", "api"


# ---- building the series (inside a Django process) -----------------------------------------


def build(n: int, pool: int, seed: int, out: str) -> None:
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone

    from resultsday.accounts.models import ApiToken, User
    from resultsday.assessment.models import UnitResult
    from resultsday.awarding.models import Claim
    from resultsday.catalogue.models import AwardingOrganisation, KeyDate, Qualification, Series
    from resultsday.catalogue.services import catalogue_load, shipped_specs_dir
    from resultsday.centres.models import Centre, StandardsVerification
    from resultsday.core.db import rows_insert
    from resultsday.learners.models import Entry, Learner, Registration

    rng = random.Random(seed)
    now = timezone.now()
    ao = AwardingOrganisation.objects.create(code="bench", name="Bench AO")
    catalogue_load(directory=shipped_specs_dir(), awarding_organisation=ao, actor=None)
    series = Series.objects.create(awarding_organisation=ao, code="2027-06", name="Summer 2027")
    # Results reached centres a week ago and learners an hour ago: results day is under way.
    KeyDate.objects.create(series=series, kind="results_to_centres", applies_to="all",
                           at=now - dt.timedelta(days=7))
    KeyDate.objects.create(series=series, kind="results_to_learners", applies_to="all",
                           at=now - dt.timedelta(hours=1))
    quals = [Qualification.objects.get(qn=qn) for qn in QUALIFICATIONS]
    structures = {}
    for q in quals:
        placements = list(q.structure.select_related("unit"))
        structures[q.pk] = ([p.unit for p in placements if p.mandatory],
                            [p.unit for p in placements if not p.mandatory])
    centres = []
    for i in range(max(1, n // 1000)):
        centre = Centre.objects.create(number=f"{20000 + i:05d}", name=f"Bench college {i}")
        centre.awarding_organisations.add(ao)
        centres.append(centre)
        for q in quals:
            StandardsVerification.objects.get_or_create(
                centre=centre, suite=q.suite, sector=q.sector, defaults={"status": "released"})
    password = make_password(PASSWORD)  # one slow hash, shared by every bench learner
    users = rows_insert(rows=[
        User(username=f"learner{i:07d}", password=password, first_name="Sam", last_name=f"Bench{i}",
             date_joined=now)
        for i in range(n)
    ])
    learners = rows_insert(rows=[
        Learner(centre=centres[i % len(centres)], candidate_number=f"{(i // len(centres)) % 10000:04d}",
                first_name="Sam", last_name=f"Bench{i}", date_of_birth=dt.date(2008, 1, 1),
                user=users[i])
        for i in range(n)
    ])
    registrations = []
    for learner in learners:
        for q in rng.sample(quals, rng.choice([1, 2, 2, 3])):
            registrations.append(Registration(
                learner=learner, centre_id=learner.centre_id, qualification=q, series=series,
                registered_on=dt.date(2025, 9, 1)))
    rows_insert(rows=registrations)
    unit_results, entries, claims = [], [], []
    for r in registrations:
        mandatory, optional = structures[r.qualification_id]
        units, glh = list(mandatory), sum(u.glh or 0 for u in mandatory)
        pool_units = optional[:]
        rng.shuffle(pool_units)
        for u in pool_units:
            if glh >= (r.qualification.size_glh or 0):
                break
            units.append(u)
            glh += u.glh or 0
        for u in units:
            if u.is_external:
                entries.append(Entry(registration=r, unit=u, series=series))
                unit_results.append(UnitResult(registration=r, unit=u, source="marked", series=series,
                                               grade=rng.choice(GRADES_EXTERNAL)))
            else:
                unit_results.append(UnitResult(registration=r, unit=u, source="centre",
                                               grade=rng.choice(GRADES_INTERNAL)))
        claims.append(Claim(registration=r, claimed_at=now - dt.timedelta(days=60)))
    for rows in (unit_results, entries, claims):
        for start in range(0, len(rows), 50_000):
            rows_insert(rows=rows[start:start + 50_000])
    # Sessions and API keys for the learners the load uses, as sign-in and api_token_create
    # make them (a few also sign in through the real form once the server is up).
    chosen = rng.sample(learners, min(pool, n))
    store = SessionStore()
    sessions, tokens, clients = [], [], []
    for learner in chosen:
        user = learner.user
        key = secrets.token_hex(16)
        data = {"_auth_user_id": str(user.pk),
                "_auth_user_backend": "resultsday.accounts.backends.UserBackend",
                "_auth_user_hash": user.get_session_auth_hash()}
        sessions.append(Session(session_key=key, session_data=store.encode(data),
                                expire_date=now + dt.timedelta(days=1)))
        secret = f"rd_{secrets.token_urlsafe(32)}"
        tokens.append(ApiToken(user=user, name="bench", prefix=secret[:11],
                               key_hash=hashlib.sha256(secret.encode()).hexdigest()))
        clients.append({"username": user.username, "session": key, "token": secret})
    Session.objects.bulk_create(sessions, batch_size=2000)
    rows_insert(rows=tokens)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    Path(out).write_text(json.dumps(clients))
    print(f"built {n:,} learners, {len(registrations):,} registrations, {len(unit_results):,} unit "
          f"results, {len(entries):,} external entries, {len(centres)} centres")


# ---- the load generator -----------------------------------------------------------------------


class Target:
    """One kind of request, and how to tell a good answer from a bad one."""

    def __init__(self, kind: str, path: str, client: dict[str, str] | None, marker: bytes) -> None:
        headers = [f"GET {path} HTTP/1.1", "Host: 127.0.0.1", "Accept-Encoding: identity"]
        if client is not None and kind == PAGE:
            # A signed-in browser also holds the CSRF cookie its sign-in form set.
            headers.append(f"Cookie: sessionid={client['session']}; "
                           f"csrftoken={client.get('csrf') or secrets.token_hex(16)}")
        elif client is not None:
            headers.append(f"Authorization: Bearer {client['token']}")
        self.request = ("\r\n".join(headers) + "\r\n\r\n").encode()
        self.kind = kind
        self.marker = marker


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length, close = None, False
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "connection" and value.strip().lower() == "close":
            close = True
    body = await reader.readexactly(length) if length is not None else await reader.read()
    return status, close or length is None, body


async def _connection(port: int, targets: list[Target], deadline: float, seed: int,
                      latencies: list[float], errors: list[str]) -> None:
    rng = random.Random(seed)
    reader = writer = None
    while time.perf_counter() < deadline:
        target = targets[rng.randrange(len(targets))]
        for attempt in (1, 2):
            fresh = writer is None
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            start = time.perf_counter()
            try:
                writer.write(target.request)
                status, close, body = await _read_response(reader)  # type: ignore[arg-type]
            except (ConnectionError, asyncio.IncompleteReadError):
                writer.close()
                reader = writer = None
                if fresh or attempt == 2:
                    errors.append("connection failed")
                    break
                continue  # a kept-alive connection the server had closed: try once more
            latencies.append(time.perf_counter() - start)
            if status != 200:
                errors.append(f"{target.kind}: HTTP {status}")
            elif target.marker not in body:
                errors.append(f"{target.kind}: no visible result in the answer")
            if close:
                writer.close()
                reader = writer = None
            break
    if writer is not None:
        writer.close()


def _load_process(port: int, targets: list[Target], seconds: float, connections: int, seed: int,
                  results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def run() -> tuple[list[float], list[str]]:
        latencies: list[float] = []
        errors: list[str] = []
        deadline = time.perf_counter() + seconds
        await asyncio.gather(*(
            _connection(port, targets, deadline, seed * 1000 + i, latencies, errors)
            for i in range(connections)
        ))
        return latencies, errors

    results.put(asyncio.run(run()))


class Tally:
    """Latencies, errors and CPU of one kind of load, added up over the slices it ran in."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.elapsed = 0.0
        self.server_cpu = 0.0  # seconds, gunicorn's workers
        self.client_cpu = 0.0  # seconds, the load generator's processes
        self.db_cpu = 0.0  # seconds, PostgreSQL's backends serving the bench database
        self.redis_cpu = 0.0  # seconds, redis-server (shared with anything else using it)

    def summary(self) -> dict[str, float | int | list[str]]:
        latencies = sorted(self.latencies)

        def pct(q: float) -> float:
            return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000 if latencies else 0.0

        n = max(1, len(latencies))
        return {"requests": len(latencies), "rps": len(latencies) / self.elapsed if self.elapsed else 0.0,
                "p50": pct(0.50), "p99": pct(0.99), "errors": len(self.errors),
                "error_kinds": sorted(set(self.errors))[:5],
                "server_ms": self.server_cpu / n * 1000, "client_ms": self.client_cpu / n * 1000,
                "db_ms": self.db_cpu / n * 1000, "redis_ms": self.redis_cpu / n * 1000}


def process_cpu(parent: int) -> float:
    """CPU seconds used so far by a process and its live children (gunicorn and its workers)."""
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(pid) == parent or int(fields[1]) == parent:
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def service_cpu(database: str) -> tuple[dict[int, float], dict[int, float]]:
    """CPU seconds used so far, by process, by PostgreSQL's backends connected to `database`
    and by redis-server: the server's work on results day is theirs too, on the same two cores.
    Compare two readings with `cpu_since`."""
    db: dict[int, float] = {}
    redis: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick
        if command.startswith(b"postgres: ") and f" {database} ".encode() in command:
            db[int(pid)] = used
        elif command.startswith(b"redis-server"):
            redis[int(pid)] = used
    return db, redis


def cpu_since(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes alive at the second (a process that
    ended in between is not counted, rather than subtracted: a figure never goes below 0)."""
    return sum(used - before.get(pid, 0.0) for pid, used in after.items())


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def drive(port: int, targets: list[Target], seconds: float, processes: int, connections: int,
          tally: Tally | None = None, server: int | None = None, database: str = "") -> Tally:
    tally = tally or Tally()
    server_before = process_cpu(server) if server else 0.0
    db_before, redis_before = service_cpu(database) if database else ({}, {})
    client_before = children_cpu()
    queue: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    procs = [multiprocessing.Process(target=_load_process,
                                     args=(port, targets, seconds, connections,
                                           random.randrange(1 << 30), queue))
             for _ in range(processes)]
    start = time.perf_counter()
    for p in procs:
        p.start()
    for _ in procs:
        got_latencies, got_errors = queue.get()
        tally.latencies += got_latencies
        tally.errors += got_errors
    for p in procs:
        p.join()
    tally.client_cpu += children_cpu() - client_before
    if server:
        tally.server_cpu += process_cpu(server) - server_before
    if database:
        db_after, redis_after = service_cpu(database)
        tally.db_cpu += cpu_since(db_before, db_after)
        tally.redis_cpu += cpu_since(redis_before, redis_after)
    # The clients stop sending at the deadline; the time counted is the time they had.
    tally.elapsed += max(seconds, time.perf_counter() - start - 0.05 * processes)
    return tally


# ---- the server and sign-in ----------------------------------------------------------------


def rd(env: dict[str, str], *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "resultsday", *args], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"resultsday {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn exited before it answered")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/health/")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer in time")


def sign_in(port: int, username: str) -> str:
    """Sign in through the real form (CSRF token, password check) and return the session key."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/sign-in/")
    response = conn.getresponse()
    page = response.read().decode()
    csrf_cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    csrf_field = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not csrf_cookie or not csrf_field:
        raise SystemExit("the sign-in page gave no CSRF token")
    conn.request(
        "POST", "/sign-in/",
        body=urlencode({"csrfmiddlewaretoken": csrf_field.group(1), "username": username,
                        "password": PASSWORD}),
        headers={"Content-Type": "application/x-www-form-urlencoded",
                 "Cookie": f"csrftoken={csrf_cookie.group(1)}"},
    )
    response = conn.getresponse()
    response.read()
    session = re.search(r"sessionid=([^;]+)", response.getheader("Set-Cookie") or "")
    if response.status != 302 or not session:
        raise SystemExit(f"signing in {username} failed (HTTP {response.status})")
    return session.group(1)


def redis_answers(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description="Results-day load on the learner page and API")
    parser.add_argument("--learners", type=int, default=20_000)
    parser.add_argument("--pool", type=int, default=5_000,
                        help="learners the load is spread over (each signed in, with an API key)")
    parser.add_argument("--sign-ins", type=int, default=4,
                        help="of those, how many sign in through the real form")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--ceiling-seconds", type=float, default=None,
                        help="how long to drive the minimal view (default: --seconds)")
    parser.add_argument("--slice", type=float, default=5,
                        help="seconds of each turn; the results load and the minimal view alternate")
    parser.add_argument("--api-share", type=float, default=0.5,
                        help="share of requests to the API (the rest: the /my/ page)")
    # Measured on two cores once a request cost about 1 ms: 2 workers x 4 threads did best
    # (741 requests/s against 668 for 3 x 2 and 384 for 4 x 1, in the same quarter hour).
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="per worker, for gthread")
    parser.add_argument("--load-processes", type=int, default=1)
    parser.add_argument("--connections", type=int, default=8,
                        help="concurrent connections per load process")
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--cold", action="store_true",
                        help="do not warm the results cache first (every first look is a miss)")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the database of the last run if it exists (skips the build)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--build", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build(args.learners, args.pool, args.seed, args.out)
        return

    import psycopg

    url = os.environ.get("DATABASE_URL_PG", PG_DEFAULT)
    redis_url = os.environ.get("REDIS_URL_BENCH", REDIS_DEFAULT)
    use_redis = not args.no_redis and redis_answers(redis_url)
    state = Path(tempfile.gettempdir()) / f"resultsday-bench-results-{args.learners}-{args.pool}.json"
    name = url.rsplit("/", 1)[1]
    with tempfile.TemporaryDirectory() as tmp:
        # The secret must stay the same across runs that --reuse the sessions made with it.
        secret_file = Path(tempfile.gettempdir()) / "resultsday-bench-results-secret"
        if not args.reuse or not secret_file.exists():
            secret_file.write_text(secrets.token_urlsafe(50))
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret_file.read_text(),
               "DEBUG": "0", "RESULTSDAY_DEMO": "0", "ALLOWED_HOSTS": "127.0.0.1",
               "SECURE_COOKIES": "0", "RESULTSDAY_VAR_DIR": tmp, "LOG_LEVEL": "WARNING",
               "PYTHONPATH": str(ROOT / "src"), "DJANGO_SETTINGS_MODULE": "resultsday.settings"}
        env.pop("REDIS_URL", None)
        if use_redis:
            env["REDIS_URL"] = redis_url
        reuse = args.reuse and state.exists()
        if not reuse:
            with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
            start = time.perf_counter()
            rd(env, "migrate", "-v0")
            subprocess.run([sys.executable, __file__, "--build", "--learners", str(args.learners),
                            "--pool", str(args.pool), "--seed", str(args.seed), "--out", str(state)],
                           env=env, check=True)
            print(rd(env, "award", "--ao", "bench", "--series", "2027-06", "--reason", "bench",
                     "--batch-size", "2000").strip().splitlines()[-1])
            print(f"setup: {time.perf_counter() - start:.1f} s")
        else:
            rd(env, "migrate", "-v0")  # a kept database gets any migration added since
        clients = json.loads(state.read_text())
        warmed = ""
        if use_redis:
            import redis

            redis.Redis.from_url(redis_url).flushdb()  # the bench's own Redis database only
            if not args.cold:
                # As on the morning: the AO warms the cache after the last awarding run.
                warmed = rd(env, "results-cache", "--warm", "--ao", "bench", "--series",
                            "2027-06").strip()

        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "resultsday.wsgi:application",
                   "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                   "--worker-class", args.worker_class, "--log-level", "warning",
                   "--backlog", "2048"]
        if args.worker_class == "gthread":
            command += ["--threads", str(args.threads)]
        server = subprocess.Popen(command, env=env, cwd=tmp)
        try:
            wait_for(port, server)
            for client in clients[:args.sign_ins]:
                client["session"] = sign_in(port, client["username"])
            page_marker, api_marker = b"Your result", b'"result": {'
            rng = random.Random(args.seed)
            targets = []
            for client in clients:
                kind = API if rng.random() < args.api_share else PAGE
                targets.append(Target(kind, "/api/v1/my/results" if kind == API else "/my/",
                                      client, api_marker if kind == API else page_marker))
            # Check one of each before timing anything.
            for kind in (PAGE, API):
                check = drive(port, [t for t in targets if t.kind == kind][:20], 1, 1, 2)
                if check.errors:
                    raise SystemExit(f"{kind} check failed: {sorted(set(check.errors))[:5]}")
            minimal = [Target(PAGE, "/health/", None, b"ok")]
            drive(port, minimal, 2, args.load_processes, args.connections)  # warm the workers
            # The two loads take turns in slices, so that whatever else the machine is doing
            # weighs on both alike.
            results, ceiling = Tally(), Tally()
            ceiling_seconds = args.ceiling_seconds or args.seconds
            slices = max(1, round(args.seconds / args.slice))
            for _ in range(slices):
                drive(port, targets, args.seconds / slices, args.load_processes, args.connections,
                      results, server.pid, name)
                drive(port, minimal, ceiling_seconds / slices, args.load_processes,
                      args.connections, ceiling, server.pid, name)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    if warmed:
        print(f"warm: {warmed}")
    print(f"server: gunicorn {args.worker_class}, {args.workers} workers"
          + (f" x {args.threads} threads" if args.worker_class == "gthread" else "")
          + f", PostgreSQL, DEBUG off, results cache: {'Redis' if use_redis else 'none'}")
    print(f"load: {args.load_processes} process(es) x {args.connections} keep-alive connections, "
          f"{len(clients):,} learners ({args.sign_ins} signed in through the form), "
          f"{args.api_share:.0%} API / {1 - args.api_share:.0%} page, {args.learners:,} learners "
          "in the series")
    for label, tally in (("results (page + API)", results), ("minimal view /health/", ceiling)):
        r = tally.summary()
        print(f"{label}: {r['requests']:,} requests, {r['rps']:,.0f} requests/s, "
              f"p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, errors {r['errors']}"
              + (f" {r['error_kinds']}" if r["errors"] else "")
              + f"; CPU per request: server {r['server_ms']:.2f} ms, "
              f"PostgreSQL {r['db_ms']:.2f} ms, Redis {r['redis_ms']:.2f} ms, "
              f"load generator {r['client_ms']:.2f} ms")
    ratio = float(results.summary()["rps"]) / float(ceiling.summary()["rps"])
    print(f"ratio results / minimal: {ratio:.2f}  "
          "(targets: >= 500 requests/s, p99 <= 200 ms, 0 errors, ratio >= 0.5)")


if __name__ == "__main__":
    main()
