#!/bin/sh
# Installs the Debian packages that some tests run for real (a TLS terminator, Prometheus),
# when they are missing. Arguments are command=package pairs. Without root or apt-get it only
# says what is missing; the tests that need a missing command skip and say why.
set -u
missing=""
for pair in "$@"; do
    cmd=${pair%%=*}
    pkg=${pair#*=}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "missing Debian packages:$missing (install them to run every test; the tests that need them will skip)"
    exit 0
fi
echo "installing Debian packages:$missing"
# The packages' own services are not wanted: the tests start each program themselves.
blocker=/usr/sbin/policy-rc.d
created=""
if [ ! -e "$blocker" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$blocker" && chmod +x "$blocker" && created=1
fi
export DEBIAN_FRONTEND=noninteractive
status=0
apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $missing >/dev/null || status=$?
[ -n "$created" ] && rm -f "$blocker"
if [ "$status" != 0 ]; then
    echo "could not install:$missing (the tests that need them will skip)"
fi
exit 0
