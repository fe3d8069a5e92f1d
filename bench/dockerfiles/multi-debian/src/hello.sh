#!/bin/sh
echo "hello from $(cat /opt/app/share/input.txt)"
