"""What PostgreSQL carries: edits per second, the app taken out (docs/scaling.md).

    .venv/bin/python bench/writes.py [--venues 200] [--seconds 10] [--clients 1,4,16]

A scratch database (migrated, VENUES copies of the worked example, one owner each), then
pgbench runs the htmx edit's own transaction against it, as the app sends it
(docs/architecture.md, "A request"): BEGIN, the venue locked with the user's role, its items,
its categories, the version-checked UPDATE of one item (whose trigger dates the venue), the
journal's entry, COMMIT; each transaction on a venue drawn at random. Prints edits per second
and latency for each number of clients: the ceiling of the writes that app servers in front of
this PostgreSQL can send, whatever their number.
"""

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

from tests.production import manage, postgres_available, production_env, scratch_database  # noqa: E402

SETUP = """
import os
from django.contrib.auth import get_user_model
from costing.documents import load_venue_document
from costing.examples import WORKED_EXAMPLE
from costing.models import create_venue
document = load_venue_document(WORKED_EXAMPLE.read_text())
User = get_user_model()
for index in range(int(os.environ["BENCH_VENUES"])):
    create_venue(document, owner=User.objects.create(username=f"writer{index:04d}"))
"""

# The edit's transaction (captured from the app's queries, parameters made pgbench variables).
EDIT = r"""
\set v random(1, :venues)
BEGIN;
SELECT v.*, m.role FROM venues_venue v JOIN venues_membership m ON m.venue_id = v.id
 WHERE m.user_id = (SELECT user_id FROM venues_membership WHERE venue_id = :v LIMIT 1)
   AND v.id = :v FOR UPDATE OF v;
SELECT * FROM costing_costitem WHERE venue_id = :v ORDER BY position, id;
SELECT * FROM costing_membercategory WHERE venue_id = :v ORDER BY position, id;
UPDATE costing_costitem SET amount = amount + 1, version = version + 1, updated_at = now()
 WHERE id = (SELECT min(id) FROM costing_costitem WHERE venue_id = :v)
   AND version = (SELECT version FROM costing_costitem
                  WHERE id = (SELECT min(id) FROM costing_costitem WHERE venue_id = :v));
INSERT INTO venues_change (venue_id, actor_id, actor_name, at, model, object_id, label, action,
                           fields)
 VALUES (:v, NULL, 'pgbench', now(), 'costing.costitem', 1, 'Loyer', 'changed',
         '[["amount", "1", "2"]]');
COMMIT;
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--venues", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--clients", default="1,4,16")
    args = parser.parse_args()
    if not postgres_available():
        sys.exit("writes: PostgreSQL does not answer on 127.0.0.1:5432.")
    with tempfile.TemporaryDirectory() as tmp, scratch_database() as database_url:
        env = production_env(database_url, Path(tmp) / "static", BENCH_VENUES=str(args.venues))
        manage(env, "migrate", "--no-input")
        manage(env, "shell", "-c", SETUP)
        script = Path(tmp) / "edit.sql"
        script.write_text(EDIT)
        low = int(
            subprocess.run(
                ["psql", database_url, "-Atc", "SELECT min(id) FROM venues_venue"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout  # fmt: skip
        )
        script.write_text(
            EDIT.replace("random(1, :venues)", f"random({low}, {low + args.venues - 1})")
        )
        print(f"The edit's transaction on {args.venues} venues, {args.seconds} s per run:")
        for clients in (int(n) for n in args.clients.split(",")):
            out = subprocess.run(
                ["pgbench", "-n", "-f", str(script), "-c", str(clients), "-j", str(min(clients, 2)),
                 "-T", str(args.seconds), database_url],
                capture_output=True, text=True, check=True,
            ).stdout  # fmt: skip
            tps = re.search(r"tps = ([\d.]+)", out).group(1)
            latency = re.search(r"latency average = ([\d.]+) ms", out).group(1)
            failed = re.search(r"number of failed transactions: (\d+)", out)
            print(
                f"  {clients:>3} clients: {float(tps):7.0f} edits/s, latency {latency} ms"
                + (f", {failed.group(1)} failed" if failed else "")
            )


if __name__ == "__main__":
    main()
