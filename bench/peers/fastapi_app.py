"""The notes' own stack as a benchmark peer: FastAPI + uvicorn over SQLite.

Minimal but fair, so the comparison with todoai means something:
  * every task request checks an HS256 JWT (python3-jwt, same JWT_SECRET, `sub` must
    equal the path's user_id, `exp` checked) - as todoai does;
  * POST /api/{user_id}/tasks validates the body (pydantic, title 1..255, unknown fields
    rejected) and writes the task row and an outbox row (the CloudEvent carrying the full
    snapshot) in one transaction - as todoai's transactional outbox does;
  * SQLite in WAL mode with synchronous=NORMAL - todoai's durability setting;
  * one connection per worker (run a single worker: one core is given to the server).
Where it is lighter than todoai (on purpose, so as not to handicap the peer):
  * the password hash at sign-up is a salted sha256, not argon2id (sign-up is not measured);
  * routes are `async def` calling sqlite3 directly (no thread-pool hop, no ORM), and the
    answer is a JSONResponse built from a dict (no response_model re-validation);
  * there is no outbox relay draining the outbox (todoai's relay runs in-process).
Run: JWT_SECRET=... PEER_DB=/tmp/x.db /usr/bin/python3 -m uvicorn fastapi_app:app \
       --app-dir bench/peers --port 8010 --log-level warning --no-access-log
"""
import hashlib
import json
import os
import secrets
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from typing import List, Literal, Optional

import jwt
from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Extra, Field

SECRET = os.environ.get("JWT_SECRET", "dev-secret")
DB_PATH = os.environ.get("PEER_DB", "peer.db")

db = sqlite3.connect(DB_PATH, isolation_level=None, check_same_thread=False)
db.execute("PRAGMA journal_mode=WAL")
db.execute("PRAGMA synchronous=NORMAL")
db.executescript(
    """
CREATE TABLE IF NOT EXISTS users (id TEXT PRIMARY KEY, email TEXT UNIQUE NOT NULL,
  name TEXT NOT NULL, password_hash TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tasks (id TEXT PRIMARY KEY, user_id TEXT NOT NULL,
  title TEXT NOT NULL, description TEXT NOT NULL, status TEXT NOT NULL, priority TEXT NOT NULL,
  tags TEXT NOT NULL, due_date TEXT, reminders TEXT NOT NULL, is_recurring INTEGER NOT NULL,
  recurrence_schedule TEXT, rrule TEXT, recurrence_from TEXT NOT NULL, series_id TEXT,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL, completed_at TEXT,
  version INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS tasks_user_created ON tasks (user_id, created_at);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id TEXT NOT NULL, topic TEXT NOT NULL, key TEXT NOT NULL, payload TEXT NOT NULL,
  created_at TEXT NOT NULL, sent_at TEXT);
"""
)

app = FastAPI(title="todoai fastapi peer")
COLUMNS = ("id user_id title description status priority tags due_date reminders is_recurring "
           "recurrence_schedule rrule recurrence_from series_id created_at updated_at "
           "completed_at version").split()


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse({"type": "about:blank", "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json")


def check_token(authorization: Optional[str], user_id: str) -> Optional[JSONResponse]:
    if not authorization or not authorization.startswith("Bearer "):
        return problem(401, "Unauthorized", "missing bearer token")
    try:
        claims = jwt.decode(authorization[7:], SECRET, algorithms=["HS256"],
                            options={"require": ["sub", "exp"]})
    except jwt.PyJWTError as e:
        return problem(401, "Unauthorized", str(e))
    if claims["sub"] != user_id:
        return problem(403, "Forbidden", "not your data")
    return None


class SignUp(BaseModel):
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=8, max_length=1024)
    name: str = Field(min_length=1, max_length=200)


class TaskIn(BaseModel, extra=Extra.forbid):
    title: str = Field(min_length=1, max_length=255)
    description: str = Field("", max_length=10_000)
    status: Literal["pending", "in_progress", "complete"] = "pending"
    priority: Literal["low", "medium", "high"] = "medium"
    tags: List[str] = Field(default_factory=list, max_items=20)
    due_date: Optional[datetime] = None
    reminders: List[dict] = Field(default_factory=list, max_items=10)
    is_recurring: bool = False
    recurrence_schedule: Optional[Literal["daily", "weekly", "monthly"]] = None
    rrule: Optional[str] = None
    recurrence_from: Literal["due", "completion"] = "due"


def task_json(row) -> dict:
    t = dict(zip(COLUMNS, row))
    t["tags"] = json.loads(t["tags"])
    t["reminders"] = json.loads(t["reminders"])
    t["is_recurring"] = bool(t["is_recurring"])
    t["completed"] = t["status"] == "complete"
    return t


@app.get("/health")
async def health():
    return {"status": "ok"}


@app.post("/api/auth/sign-up", status_code=201)
async def sign_up(body: SignUp):
    uid, salt, ts = str(uuid.uuid4()), secrets.token_hex(16), now()
    pw = salt + "$" + hashlib.sha256((salt + body.password).encode()).hexdigest()
    try:
        db.execute("INSERT INTO users VALUES (?,?,?,?,?)", (uid, body.email, body.name, pw, ts))
    except sqlite3.IntegrityError:
        return problem(409, "Conflict", "email already registered")
    exp = datetime.now(timezone.utc) + timedelta(hours=24)
    token = jwt.encode({"sub": uid, "email": body.email, "exp": exp}, SECRET, algorithm="HS256")
    return JSONResponse({"user": {"id": uid, "email": body.email, "name": body.name},
                         "token": token, "expires_at": exp.isoformat()}, status_code=201)


@app.post("/api/{user_id}/tasks")
async def create_task(user_id: str, body: TaskIn, authorization: Optional[str] = Header(None)):
    if (err := check_token(authorization, user_id)) is not None:
        return err
    if body.is_recurring and not (body.recurrence_schedule or body.rrule):
        raise HTTPException(422, "is_recurring needs recurrence_schedule or rrule")
    tid, ts = str(uuid.uuid4()), now()
    due = body.due_date.isoformat().replace("+00:00", "Z") if body.due_date else None
    row = (tid, user_id, body.title, body.description, body.status, body.priority,
           json.dumps(body.tags), due, json.dumps(body.reminders), int(body.is_recurring),
           body.recurrence_schedule, body.rrule, body.recurrence_from, None, ts, ts,
           ts if body.status == "complete" else None, 1)
    task = task_json(row)
    event_id = str(uuid.uuid4())
    event = {"specversion": "1.0", "id": event_id, "source": "todo-service",
             "type": "com.todoai.task.created", "subject": tid, "time": ts,
             "datacontenttype": "application/json",
             "data": {"event_id": event_id, "event_type": "task-created", "task_id": tid,
                      "user_id": user_id, "correlation_id": event_id, "timestamp": ts,
                      "schema_version": "1.0", "payload": task}}
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(f"INSERT INTO tasks VALUES ({','.join('?' * len(COLUMNS))})", row)
        db.execute("INSERT INTO outbox (event_id, topic, key, payload, created_at) VALUES (?,?,?,?,?)",
                   (event_id, "task-events", user_id, json.dumps(event), ts))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return JSONResponse(task, status_code=201,
                        headers={"Location": f"/api/{user_id}/tasks/{tid}", "ETag": '"1"'})


@app.get("/api/{user_id}/tasks/{task_id}")
async def get_task(user_id: str, task_id: str, authorization: Optional[str] = Header(None)):
    if (err := check_token(authorization, user_id)) is not None:
        return err
    row = db.execute(f"SELECT {','.join(COLUMNS)} FROM tasks WHERE id=? AND user_id=?",
                     (task_id, user_id)).fetchone()
    if row is None:
        return problem(404, "Not Found", "no such task")
    return JSONResponse(task_json(row), headers={"ETag": f'"{row[-1]}"'})
