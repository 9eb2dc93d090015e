#!/usr/bin/env bash
# Rebuilds the default model bundle in models/ from the starter corpus, exactly as shipped.
# Usage: training/build-bundle.sh   (from the repository root)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/instrada
$bin train topic --data training/starter/comune.csv --name topic-comune \
  --folds 5 --min-df 2 --oos-label fuori_ambito --out models/topic --card-notes training/starter/CARD_NOTES.md
$bin train urgency --data training/starter/comune.csv --name urgency-comune \
  --folds 5 --min-df 2 --lexicon training/lexicon/urgency.toml --out models/urgency \
  --card-notes training/starter/CARD_NOTES.md
for data in training/starter/unseen.csv training/starter/unseen-short.csv; do
  $bin evaluate --model models/topic --data "$data"
  $bin evaluate --model models/urgency --data "$data"
done
