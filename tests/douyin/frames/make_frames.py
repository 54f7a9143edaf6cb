#!/usr/bin/python3
"""Writes the Douyin push frames the codec's unit tests read, built by the push emulator's code
(Google's protobuf runtime, the emulator's own fuller proto): run again only when that changes.

  msg_gzip.bin   a gzip'd "msg" frame, needAck, im-cursor/im-internal_ext headers, with one of
                 each message the box reads (chat with markup and CJK, gift x3, like x5, enter,
                 follow, share, room stats 1234, live ended), and an emoji message it skips
  msg_plain.bin  a "msg" frame without compression (compress=gzip not asked), one chat
  msg_all_plain.bin  every message of msg_gzip.bin without compression (a seed the fuzzer can
                 mutate field by field)
  hb.bin         the server's heartbeat answer
  close.bin      the server ending the session
"""
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "emulators"))
import douyin_emulator as emulator  # noqa: E402

state = emulator.State("7392091211001140287")
specs = [
    {"kind": "chat", "user": "小明", "user_id": 111, "text": "你好 <b>主播</b> & hi"},
    {"kind": "gift", "user": "giver", "user_id": 222, "gift": "Rose", "count": 3},
    {"kind": "like", "user": "liker", "user_id": 333, "count": 5},
    {"kind": "enter", "user": "newcomer", "user_id": 444},
    {"kind": "follow", "user": "fan", "user_id": 555},
    {"kind": "share", "user": "sharer", "user_id": 666},
    {"kind": "room_stats", "total": 1234},
    {"kind": "emoji", "user": "smiler", "user_id": 777},
    {"kind": "control", "status": 3},
]


def write(name, data):
    with open(os.path.join(here, name), "wb") as handle:
        handle.write(data)


def frame(messages, gzipped):
    session = emulator.Session(peer=None, state=state, backlog=[], gzipped=gzipped)
    entries = [(index + 1, message) for index, message in enumerate(messages)]
    return session.frame_for(entries)[1]


write("msg_gzip.bin", frame([emulator.build_message(state, spec) for spec in specs], True))
write("msg_plain.bin", frame([emulator.build_message(state, {"kind": "chat", "user": "plain", "text": "plain"})], False))
write("msg_all_plain.bin", frame([emulator.build_message(state, spec) for spec in specs], False))
write("hb.bin", emulator.M["PushFrame"](payloadType="hb").SerializeToString())
write("close.bin", emulator.M["PushFrame"](logId=9, payloadType="close").SerializeToString())
