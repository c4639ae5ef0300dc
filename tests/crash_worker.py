"""A process that submits screenings in a loop, for the crash test to SIGKILL.

    python -m tests.crash_worker DATABASE_URL START COUNT

For each i it saves a draft (prints ``DRAFT <token>``) and, for most i, submits it (prints
``ACK <key> <screening id>`` only after the commit returned): the lines are the
acknowledgements a patient would have seen.
"""

from __future__ import annotations

import sys

import store as db
from services import intake
from tests.concurrency_support import documents


def main(url: str, start: int, count: int) -> None:
    store = db.get_store(url)
    for i, doc in enumerate(documents(count, seed=start), start=start):
        key = f"crash-{i:06d}"
        _, token = db.create_draft(store=store)
        db.save_draft(token, doc["answers"], 3, doc["answers"]["date_of_birth"], store=store)
        print(f"DRAFT {token} {doc['answers']['date_of_birth']} {i}", flush=True)
        if i % 5 == 4:
            continue  # some drafts stay drafts
        result = intake.submit(doc, draft_token=token, idempotency_key=key, store=store)
        print(f"ACK {key} {result.screening_id}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
