#!/bin/sh
echo "hello, $1"
cat /app/data/config.txt
