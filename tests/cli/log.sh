#!/bin/sh
# Placeholder until the commands land.
exit 77
