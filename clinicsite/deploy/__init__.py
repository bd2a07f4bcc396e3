"""Serving the built site: the headers it is served with (headers.py, written
by every build), the nginx config (nginx.py) and publishing a build to a
server (publish.py). `python -m clinicsite.deploy --help` lists the commands."""
