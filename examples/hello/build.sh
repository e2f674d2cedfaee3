#!/bin/sh
# A deliberately naive build, as many real projects have: absolute source
# paths in debug info and __FILE__, the build time in the binary, archive
# members with the builder's mtimes, owners and directory order.
set -e
cc -g -O1 -c "$PWD/greet.c" -o greet.o
ar rc libgreet.a greet.o
cc -g -O1 "$PWD/hello.c" -o hello libgreet.a
mkdir -p dist
cp hello libgreet.a dist/
tar czf hello.tar.gz dist
