#!/usr/bin/env bash
# Builds the man pages from their Markdown sources with pandoc (Debian's package):
#   docs/man/NAME.SECTION.md  ->  OUTDIR/NAME.SECTION   (prec.1, precd.8, precd.conf.5, ...)
# The footer carries the version of package.json, the date is the page's last commit (reproducible:
# the same tree builds the same pages). `just man` and packaging/build-deb.sh run it.
# Usage: packaging/build-man.sh [OUTDIR]   (default: build/man)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
outdir=${1:-build/man}

die() { printf 'build-man: %s\n' "$*" >&2; exit 1; }
command -v pandoc >/dev/null || die "pandoc is missing: apt-get install pandoc (packaging/setup.sh installs it)"

version=$(node -p 'require("./package.json").version')
mkdir -p "$outdir"
shopt -s nullglob
pages=(docs/man/*.md)
[ ${#pages[@]} -gt 0 ] || die "no pages in docs/man"
for md in "${pages[@]}"; do
  page=$(basename "$md" .md)
  case "$page" in *.[1-8]) ;; *) die "$md: the name must end in .SECTION.md (prec.1.md)" ;; esac
  date=$(git log -1 --format=%cs -- "$md" 2>/dev/null || true)
  [ -n "$date" ] || date=$(date -u -d "@${SOURCE_DATE_EPOCH:-$(stat -c %Y "$md")}" +%F)
  # -smart: "--flag" stays two hyphens, "'" stays a quote (they are copied into shells).
  pandoc --standalone --from markdown-smart --to man \
    --metadata footer="prec $version" --metadata date="$date" \
    --output "$outdir/$page.tmp" "$md"
  # pandoc 2.x leaves "-" a hyphen, which groff may render as U+2010 and break a line after:
  # "--print-schema" would split or not paste into a shell. As pandoc 3 does, every "-" of the text
  # becomes "\-" (a minus), and hyphenation is off (.nh), so a flag never breaks across lines.
  sed -i -e '/^\./!s/-/\\-/g' -e 's/^\.hy$/.nh/' "$outdir/$page.tmp"
  mv "$outdir/$page.tmp" "$outdir/$page"
done
