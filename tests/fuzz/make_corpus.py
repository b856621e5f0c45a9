#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (corpus/<target>/): a few valid inputs of each shape, which the fuzzer
mutates from. Run from anywhere; it rewrites only the seeds it names."""
import json
import os
import struct

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def seed(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data)


TASK = {"title": "Buy milk", "description": "2 l", "status": "pending", "priority": "high", "tags": ["home", "shop"],
        "due_date": "2026-03-01T10:00:00Z", "reminders": [{"at": "2026-02-28T09:00:00Z"}, {"before_due": "PT15M"}],
        "category": "personal"}
RECURRING = {"title": "Standup", "is_recurring": True, "rrule": "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10",
             "recurrence_from": "due", "due_date": "2026-03-02T09:00:00Z"}
FRONT_END = {"title": "Call", "dueDate": "2026-03-01", "isCompleted": False, "recurringType": "monthly",
             "recurringEndDate": "2026-12-31", "reminderTime": "2026-02-28T08:00:00Z", "tags": "a,b"}

# task_json_fuzz: "<body>\0<patch>"
seed("task_json_fuzz", "plain", json.dumps(TASK))
seed("task_json_fuzz", "recurring_patch", json.dumps(RECURRING) + "\0" + json.dumps({"rrule": None, "title": "x"}))
seed("task_json_fuzz", "front_end", json.dumps(FRONT_END) + "\0" + json.dumps({"completed": True, "dueDate": None}))
seed("task_json_fuzz", "schedule", json.dumps({"title": "t", "recurrence_schedule": "daily"}) + "\0" +
     json.dumps({"recurrence_end_date": "2027-01-01", "tags": [], "reminders": None}))

# rrule_fuzz: two little-endian u32 (due offset, completion offset; see rrule_fuzz.cpp), then the rule.
def rrule(name, due, done, rule):
    seed("rrule_fuzz", name, struct.pack("<II", due, done) + rule.encode())


HOUR = 1 << 12
rrule("weekly", 1 + 5000 * HOUR, 5010 * HOUR, "FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=5")
rrule("monthly_last", 1 + 700 * HOUR, 800 * HOUR, "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1;INTERVAL=2")
rrule("yearly_until", 3 + 100 * HOUR, 200 * HOUR, "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;UNTIL=20400101T000000Z")
rrule("hourly", 0, 10 * HOUR, "FREQ=HOURLY;BYHOUR=9,17;BYMINUTE=30;WKST=SU")
rrule("setpos", 1, 0, "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1")

# cloud_event_fuzz and dapr_delivery_fuzz: a task event as the todo service publishes it.
def task_event(kind, task_id="0190d3e4-5b6a-7c8d-9e0f-1a2b3c4d5e6f", extra=None):
    snapshot = dict(TASK, id=task_id, user_id="fuzz-user", completed=False, created_at="2026-02-01T10:00:00.000Z",
                    updated_at="2026-02-01T10:00:00.000Z", completed_at=None, version=1, series_id=None,
                    is_recurring=False, recurrence_schedule=None, rrule=None, recurrence_from="due")
    if extra:
        snapshot.update(extra)
    return {"specversion": "1.0", "id": "0190d3e4-0000-7000-8000-00000000000" + str(len(kind) % 10),
            "source": "todo-service", "type": "com.todoai.task." + kind, "subject": task_id,
            "time": "2026-02-01T10:00:00.000Z", "datacontenttype": "application/json",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "data": {"event_id": "e1", "event_type": "task-" + kind, "task_id": task_id, "user_id": "fuzz-user",
                     "correlation_id": "c1", "timestamp": "2026-02-01T10:00:00.000Z", "schema_version": "1.0",
                     "payload": snapshot}}


REMINDER = {"specversion": "1.0", "id": "r1", "source": "notification-service",
            "type": "com.todoai.reminder.fired", "subject": "0190d3e4-5b6a-7c8d-9e0f-1a2b3c4d5e6f",
            "time": "2026-02-28T09:00:00Z",
            "data": {"event_id": "r1", "event_type": "reminder-fired", "task_id": "0190d3e4-5b6a-7c8d-9e0f-1a2b3c4d5e6f",
                     "user_id": "fuzz-user", "title": "Buy milk", "remind_at": "2026-02-28T09:00:00Z",
                     "due_date": "2026-03-01T10:00:00Z"}}
completed = task_event("completed", extra={"status": "complete", "completed": True, "is_recurring": True,
                                           "rrule": "FREQ=DAILY;COUNT=3", "series_id": "s1",
                                           "completed_at": "2026-02-02T10:00:00.000Z"})
for name, event in [("created", task_event("created")), ("completed", completed), ("reminder", REMINDER),
                    ("deleted", task_event("deleted"))]:
    seed("cloud_event_fuzz", name, json.dumps(event))
# dapr_delivery_fuzz: the first byte picks the topic (and its high bit sends daprd's __key header).
seed("dapr_delivery_fuzz", "created", b"\x00" + json.dumps(task_event("created")).encode())
seed("dapr_delivery_fuzz", "completed", b"\x80" + json.dumps(completed).encode())
seed("dapr_delivery_fuzz", "updated", b"\x00" + json.dumps(task_event("updated")).encode())
seed("dapr_delivery_fuzz", "reminder", b"\x01" + json.dumps(REMINDER).encode())
seed("dapr_delivery_fuzz", "minimal", b"\x00" + b'{"specversion":"1.0","id":"1","source":"s","type":"t"}')


# jwt_fuzz: first byte 0 raw token, 1 "<header>\n<payload>" signed HS256, 2 (+3k) payload signed EdDSA.
def b64(text):
    import base64
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


claims = {"sub": "u1", "exp": 1900000000, "iat": 1700000000}
seed("jwt_fuzz", "raw_none", b"\x00" + (b64('{"alg":"none"}') + "." + b64(json.dumps(claims)) + ".").encode())
seed("jwt_fuzz", "hs256", b"\x01" + b'{"alg":"HS256","typ":"JWT"}\n' + json.dumps(claims).encode())
seed("jwt_fuzz", "hs256_nbf", b"\x01" + b'{"alg":"HS256"}\n' + json.dumps(dict(claims, nbf=1.9e9, id="x")).encode())
seed("jwt_fuzz", "eddsa", b"\x02" + json.dumps(dict(claims, iss="https://issuer", aud=["todoai", "x"])).encode())
seed("jwt_fuzz", "eddsa_as_hs256", bytes([2 + 3 * 4]) + json.dumps(dict(claims, iss="https://issuer")).encode())


# websocket_frame_fuzz: client frames (masked, RFC 6455 §5.2).
def frame(opcode, payload, fin=True, mask=b"\x01\x02\x03\x04"):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack(">H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack(">Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


seed("websocket_frame_fuzz", "text", frame(1, b'{"type":"ping"}'))
seed("websocket_frame_fuzz", "fragments", frame(1, b"hel", fin=False) + frame(9, b"p") + frame(0, b"lo"))
seed("websocket_frame_fuzz", "close", frame(1, b"bye") + frame(8, struct.pack(">H", 1000) + b"done"))
seed("websocket_frame_fuzz", "binary", frame(2, b"\x00\x01"))
seed("websocket_frame_fuzz", "long", frame(1, b"x" * 300) + frame(10, b""))
seed("websocket_frame_fuzz", "utf8", frame(1, "caf\u00e9 \u2713".encode()))

# http_request_fuzz: what one client writes; $TOKEN / $OTHER become bearer tokens of fuzz-user / other-user.
AUTH = "Authorization: Bearer $TOKEN\r\n"


def request(method, target, body=None, headers=""):
    text = f"{method} {target} HTTP/1.1\r\nHost: x\r\n{headers}"
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body)
        text += f"Content-Type: application/json\r\nContent-Length: {len(data.encode())}\r\n\r\n{data}"
    else:
        text += "\r\n"
    return text


T = "/api/fuzz-user/tasks"
seed("http_request_fuzz", "create", request("POST", T, TASK, AUTH))
seed("http_request_fuzz", "create_recurring_complete",
     request("POST", T, RECURRING, AUTH + "Idempotency-Key: k1\r\n") +
     request("GET", T + "?status=pending&sort=due_date&order=desc&limit=5&q=stand", None, AUTH))
seed("http_request_fuzz", "front_end", request("POST", "/api/tasks", FRONT_END, AUTH) +
     request("GET", "/api/stats", None, AUTH))
seed("http_request_fuzz", "patch_missing", request("PATCH", T + "/0190d3e4-5b6a-7c8d-9e0f-1a2b3c4d5e6f",
                                                   {"title": "y"}, AUTH + 'If-Match: "1"\r\n'))
seed("http_request_fuzz", "other_user", request("GET", T, None, "Authorization: Bearer $OTHER\r\n") +
     request("DELETE", T + "/x", None, AUTH))
seed("http_request_fuzz", "sign_up", request("POST", "/api/auth/sign-up",
                                             {"email": "a@b.c", "password": "hunter2hunter2", "name": "A"}))
seed("http_request_fuzz", "audit_notifications",
     request("GET", "/api/fuzz-user/audit?event_type=task-created&limit=3", None, AUTH) +
     request("GET", "/api/fuzz-user/notifications?unread=true", None, AUTH) +
     request("PATCH", "/api/fuzz-user/notifications/read-all", None, AUTH))
seed("http_request_fuzz", "chunked", "POST " + T + " HTTP/1.1\r\nHost: x\r\n" + AUTH +
     "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
     "5\r\n{\"tit\r\n10\r\nle\":\"chunked\"}  \r\n0\r\n\r\n")
seed("http_request_fuzz", "health_metrics", request("GET", "/health") + request("GET", "/metrics") +
     request("OPTIONS", T, None, "Origin: http://x\r\nAccess-Control-Request-Method: POST\r\n"))
seed("http_request_fuzz", "ws_upgrade", request("GET", "/ws?after=abc", None,
                                                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                                                "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                                "Sec-WebSocket-Protocol: bearer.$TOKEN\r\n"))
seed("http_request_fuzz", "mcp", request("POST", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
                                         AUTH + "Accept: application/json, text/event-stream\r\n"))
