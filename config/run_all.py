"""`make run`: web, worker and beat of the Procfile side by side, stopped together by Ctrl-C.

honcho runs them, but kills whatever still runs 5 seconds after the first process stops.
The web server stops at once; a Celery worker on the file-system broker needs a few seconds
more for its warm shutdown (it finishes the task in hand and its polling loop), more on a
busy machine, and would be killed mid-way with errors. Here it gets 30 seconds.
"""

import sys

from honcho import manager
from honcho.command import main

SHUTDOWN_GRACE_SECONDS = 30

if __name__ == "__main__":
    manager.KILL_WAIT = SHUTDOWN_GRACE_SECONDS
    sys.exit(main(["start", "--procfile", "Procfile", *sys.argv[1:]]))
