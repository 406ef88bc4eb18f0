"""Every tuned number of the search, in one place, each with why its value.

The meaning and fusion numbers were tuned on the tuning half of benchmarks/questions.jsonl
(368 questions, 2026-12-02; `--split tuning`) with all-MiniLM-L6-v2 vectors over seeds + the
shared smartable-powerapps corpus, and chosen between by the held-out half. Held-out, words
alone -> words and meaning (benchmarks/RESULTS.md, at 3dbbb5b): hit@1 0.634 -> 0.712,
paraphrases 0.324 -> 0.507, no-answer accuracy 0.865 -> 0.757, its precision 0.427 -> 0.596.
What limits them is the ranking more than the gate: of the tuning half's answerable misses,
35 of 43 had another article first. MiniLM puts a paraphrase's own article first for about
half of them (article vectors 0.52, with the passage vectors 0.60), the words for 0.54,
either of the two 0.75; fusion weights, candidate counts and passage mixes tried here all
stay within one question of 0.45.
The words' numbers are older, tuned on the earlier 155-question set.
"""

from __future__ import annotations

# -- words: candidates ----------------------------------------------------------------------

CANDIDATES = 40  # word candidates ranked per question
RERANKED = 15  # candidates whose full text is checked for term coverage
# Term coverage scans whole bodies (~25 ns a character): past this many characters in all,
# e.g. a 5 MB article among the candidates, the rerank runs off the event loop.
RERANK_INLINE_CHARS = 200_000
MIN_REPAIR_LENGTH = 4
# Words matching more than this share of articles ("power", "apps") still count in the
# rerank, but do not pick candidates: BM25 costs ~2.5 us for every article a word matches.
CANDIDATE_MAX_DF = 0.15
CANDIDATE_MIN_DF = 50  # below this every word picks candidates: scoring them all is cheap
CANDIDATE_MAX_ARTICLES = 4000  # however big the corpus: 4,000 articles cost ~10 ms a word
# Enough articles hold every rare word of the question: the best answer is among them, and
# BM25 then scores only them instead of every article holding any one of the words.
MIN_HOLDING_ALL = 10

# -- words: rerank --------------------------------------------------------------------------

# Phrases that say which kind of item the member wants ("which playlist has ...").
KIND_PHRASES: dict[str, tuple[str, ...]] = {
    "collection": ("learning path", "playlist", "series", "collection"),
    "video": ("video",),
    "course": ("course", "module"),
    "profile": ("profile", "who is"),
}
KIND_BONUS = 0.1

# -- meaning and fusion ---------------------------------------------------------------------

MEANING_CANDIDATES = 20  # nearest articles by meaning added to the word candidates
# The fused score is the words' normalised score plus this weight times meaning's: when the
# words are unsure, meaning mostly decides (1 to 5 tried: hit@1 of paraphrases rose with it).
# A question whose words are sure (a title, a name) keeps the words' order: meaning then
# counts only MEANING_WEIGHT_SURE (0.3 and more cost "related" questions their answer).
MEANING_WEIGHT = 5.0
MEANING_WEIGHT_SURE = 0.0
WORDS_SURE = 0.6  # the words' confidence above which they are sure
# Meaning's confidence: a cosine of MEANING_LOW or less says nothing, MEANING_HIGH or more
# is as sure as it gets. The tuning half: a paraphrase's own article sits at cosine 0.4-0.55
# (MiniLM), so the ramp tops out at 0.5 and adds up to 0.5 (0.7 and 0.3 before: most
# paraphrases found first were still "nothing found"). What keeps the unanswerable out is
# UNKNOWN_WORDS_POWER: 41 of the 45 unanswerable questions of the tuning half name something
# no article has a word for (postgres, stripe, zapier), 13 of its 67 paraphrases do.
MEANING_LOW = 0.3
MEANING_HIGH = 0.5
MEANING_CONFIDENCE_GAIN = 0.5  # at most this much confidence is added by meaning
# Meaning's part is scaled by (share of the question's weight the corpus knows) ** this: one
# unknown word of four weighs little, a question about an unknown product gets ~nothing from
# meaning (1, 2, 3, 4, 8 tried on the tuning half; 4 and 8 alike, 3 and less let through 2-5
# more unanswerable ones).
UNKNOWN_WORDS_POWER = 4.0
MEANING_ALONE = 0.0  # meaning alone at MEANING_HIGH is worth this much (0.55-0.7 tried: cost
# one unanswerable question on the tuning half, answered no paraphrase more)
PASSAGES_CHECKED = 8  # best fused candidates whose passage vectors are read
# An article that stands out by meaning answers more surely than one among many as near: an
# answerable question's own article is usually nearer than any other by 0.06 or more, an
# unanswerable on-topic one ("deep brain stimulation", "firebase") is about as near as several
# (margins of 0.00-0.04 on the tuning half). The lead of the best cosine over the next is read
# on a ramp from 0 to STANDOUT_MARGIN, times meaning's cosine on a ramp from STANDOUT_LOW to
# MEANING_HIGH, times the share of the question's words the corpus knows, and adds up to
# STANDOUT_GAIN. Tuning half: 90 -> 94 of 133 answered right at rank 1, 43 -> 42 of 45
# unanswerable kept out; margins 0.08-0.12 and gains 0.4-0.6 alike (0.3 as the cosine's low
# end, or the known share to the power 2 or 4, let through 1-3 more unanswerable ones or
# answer fewer). Held-out: hit@1 0.673 -> 0.699, paraphrases 0.423 -> 0.479, no-answer
# accuracy 0.811 -> 0.757 (2 of 37 more answered), its precision 0.508 -> 0.560.
# STANDOUT_GAIN = 0 is the gate without it.
STANDOUT_MARGIN = 0.1
STANDOUT_LOW = 0.4
STANDOUT_GAIN = 0.5

# -- who, where and when --------------------------------------------------------------------

# An article that fits the person, source or date asked for gains this much confidence; with
# no topic words left ("articles from Quanta") fitting is enough: it gets at least
# NARROWED_CONFIDENCE.
NARROWED_GAIN = 0.2
NARROWED_CONFIDENCE = 0.7
LATEST_AMONG = 0.8  # "the latest on X": the newest of the candidates this near the best
