/*
** wirewatch's FTS5 extension for the search index: a ranking function and a tokenizer.
**
** wirewatch_rank() scores like FTS5's built-in bm25() (k1 = 1.2, b = 0.75, per-column weights,
** document length over all columns), with one difference that matters on a large index: bm25()
** learns each phrase's document frequency by running the phrase over the whole index, once per
** query, which for a phrase matching a third of a million articles costs more than everything
** else. Here:
**   - a query of one phrase needs no document frequency at all (its IDF scales every score alike);
**   - otherwise a phrase is counted up to SAMPLE_HITS matches, and past that its frequency is
**     estimated from how much of the rowid range those matches spanned (rowids are handed out in
**     indexing order, so a phrase's matches are spread evenly enough over them).
** SQL: wirewatch_rank(fts_table, min_rowid, max_rowid, weight_0, ..., weight_n-1), returning the
** negated score like bm25(), so that ORDER BY ascending puts the best first.
**
** The "wirewatch" tokenizer indexes text the analyser (search/analysis.py) has already folded and
** stemmed: tokens are split at spaces and kept as they are. In a column whose text begins with
** GRAM_MARK it also indexes common grams, as Lucene's CommonGramsFilter does: each pair of
** neighbouring words "left right" in which one is common is one more token "left_right" at the
** left word's position. A phrase holding "of" or "the" is then written with grams ("minist_of
** of_the") and reads their short lists instead of every position of "of" and "the" in every
** candidate article. Arguments: the common words (search/query/fts5.py, CommonGrams, writes both
** the arguments and the queries).
**
** wirewatch_rows(fd) is a table of rows read from a pipe, written by another thread as it analyses
** a batch: `INSERT INTO fts ... SELECT ... FROM wirewatch_rows(?)` then takes the whole batch in one
** statement, so FTS5 writes it out as one segment, with no JSON to parse and no return to Python
** (which would take the GIL) between rows. A row is a little-endian int64 rowid, an int32 column
** count, then per column an int32 length and that many bytes of UTF-8; the rows end where the
** writer closes the pipe. SQL run on a connection with this extension can read any descriptor of
** the process this way: wirewatch runs no SQL written by users (queries are compiled, with their
** values bound).
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#define K1 1.2
#define B 0.75
#define SAMPLE_HITS 2000

/* Per-query state, kept with xSetAuxdata between the rows of one MATCH. */
typedef struct RankQuery {
  int n_phrase;
  double avg_tokens;  /* average row length in tokens, all columns */
  double *idf;        /* per phrase; NaN until needed */
  double *freq;       /* per phrase, scratch for the current row */
} RankQuery;

/* Counting state for one phrase's bounded pass over the index. */
typedef struct PhraseCount {
  sqlite3_int64 hits;
  sqlite3_int64 first_rowid;
  sqlite3_int64 last_rowid;
} PhraseCount;

static int count_hit(const Fts5ExtensionApi *api, Fts5Context *fts, void *data) {
  PhraseCount *count = (PhraseCount *)data;
  sqlite3_int64 rowid = api->xRowid(fts);
  if (count->hits == 0) count->first_rowid = rowid;
  count->last_rowid = rowid;
  count->hits++;
  return count->hits >= SAMPLE_HITS ? SQLITE_DONE : SQLITE_OK;
}

/* The phrase's IDF as bm25() defines it, from an exact or estimated document frequency. */
static int phrase_idf(const Fts5ExtensionApi *api, Fts5Context *fts, int phrase, sqlite3_int64 rows,
                      sqlite3_int64 min_rowid, sqlite3_int64 max_rowid, double *idf) {
  PhraseCount count = {0, 0, 0};
  int rc = api->xQueryPhrase(fts, phrase, &count, count_hit);
  if (rc != SQLITE_OK) return rc;
  double docs = (double)count.hits;
  if (count.hits >= SAMPLE_HITS) {
    double spanned = fabs((double)(count.last_rowid - count.first_rowid)) + 1.0;
    double range = (double)(max_rowid - min_rowid) + 1.0;
    docs = spanned >= range ? docs : docs * range / spanned;
    if (docs > (double)rows) docs = (double)rows;
  }
  double value = log(((double)rows - docs + 0.5) / (docs + 0.5));
  *idf = value > 1e-6 ? value : 1e-6;
  return SQLITE_OK;
}

static void free_query(void *data) {
  RankQuery *query = (RankQuery *)data;
  if (query) {
    sqlite3_free(query->idf);
    sqlite3_free(query);
  }
}

static int new_query(const Fts5ExtensionApi *api, Fts5Context *fts, RankQuery **out) {
  sqlite3_int64 rows = 0, tokens = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &tokens);
  if (rc != SQLITE_OK) return rc;
  int n_phrase = api->xPhraseCount(fts);
  RankQuery *query = sqlite3_malloc(sizeof(RankQuery));
  double *arrays = sqlite3_malloc64(sizeof(double) * 2 * (n_phrase > 0 ? n_phrase : 1));
  if (!query || !arrays) {
    sqlite3_free(query);
    sqlite3_free(arrays);
    return SQLITE_NOMEM;
  }
  query->n_phrase = n_phrase;
  query->avg_tokens = rows > 0 && tokens > 0 ? (double)tokens / (double)rows : 1.0;  /* never 0 */
  query->idf = arrays;
  query->freq = arrays + n_phrase;
  for (int i = 0; i < n_phrase; i++) query->idf[i] = n_phrase == 1 ? 1.0 : NAN;
  rc = api->xSetAuxdata(fts, query, free_query);
  if (rc == SQLITE_OK) *out = query;
  return rc;
}

static void wirewatch_rank(const Fts5ExtensionApi *api, Fts5Context *fts, sqlite3_context *ctx, int n_val,
                           sqlite3_value **values) {
  if (n_val < 2) {
    sqlite3_result_error(ctx, "wirewatch_rank(fts, min_rowid, max_rowid, weights...)", -1);
    return;
  }
  RankQuery *query = (RankQuery *)api->xGetAuxdata(fts, 0);
  int rc = query ? SQLITE_OK : new_query(api, fts, &query);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  int n_weight = n_val - 2;
  for (int p = 0; p < query->n_phrase; p++) {
    Fts5PhraseIter iter;
    int column, offset;
    double freq = 0.0;
    rc = api->xPhraseFirst(fts, p, &iter, &column, &offset);
    if (rc != SQLITE_OK) {
      sqlite3_result_error_code(ctx, rc);
      return;
    }
    for (; column >= 0; api->xPhraseNext(fts, &iter, &column, &offset))
      freq += column < n_weight ? sqlite3_value_double(values[2 + column]) : 1.0;
    query->freq[p] = freq;
  }
  int tokens = 0;
  rc = api->xColumnSize(fts, -1, &tokens);
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  double norm = K1 * (1.0 - B + B * (double)tokens / query->avg_tokens);
  double score = 0.0;
  for (int p = 0; p < query->n_phrase; p++) {
    double freq = query->freq[p];
    if (freq <= 0.0) continue;
    if (isnan(query->idf[p])) {
      sqlite3_int64 rows = 0;
      rc = api->xRowCount(fts, &rows);
      if (rc == SQLITE_OK)
        rc = phrase_idf(api, fts, p, rows, sqlite3_value_int64(values[0]), sqlite3_value_int64(values[1]),
                        &query->idf[p]);
      if (rc != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
      }
    }
    score += query->idf[p] * freq * (K1 + 1.0) / (freq + norm);
  }
  sqlite3_result_double(ctx, -score);
}

/* The tokenizer's common words. */
#define GRAM_MARK '\x1e'
#define MAX_COMMON 64

typedef struct GramTokenizer {
  int n_common;
  char *common[MAX_COMMON];
  int common_len[MAX_COMMON];
} GramTokenizer;

static void gram_delete(Fts5Tokenizer *tokenizer) {
  GramTokenizer *self = (GramTokenizer *)tokenizer;
  if (!self) return;
  for (int i = 0; i < self->n_common; i++) sqlite3_free(self->common[i]);
  sqlite3_free(self);
}

static int gram_create(void *unused, const char **args, int n_args, Fts5Tokenizer **out) {
  (void)unused;
  *out = 0;
  if (n_args > MAX_COMMON) return SQLITE_ERROR;
  GramTokenizer *self = sqlite3_malloc(sizeof(GramTokenizer));
  if (!self) return SQLITE_NOMEM;
  memset(self, 0, sizeof(*self));
  for (int i = 0; i < n_args; i++) {
    self->common[i] = sqlite3_mprintf("%s", args[i]);
    if (!self->common[i]) {
      gram_delete((Fts5Tokenizer *)self);
      return SQLITE_NOMEM;
    }
    self->common_len[i] = (int)strlen(args[i]);
    self->n_common = i + 1;
  }
  *out = (Fts5Tokenizer *)self;
  return SQLITE_OK;
}

static int is_common(const GramTokenizer *self, const char *word, int len) {
  for (int i = 0; i < self->n_common; i++)
    if (self->common_len[i] == len && memcmp(self->common[i], word, (size_t)len) == 0) return 1;
  return 0;
}

/* The next token at or after *at: its start and length, or 0 at the end of the text. */
static int next_token(const char *text, int n_text, int *at, int *start, int *len) {
  int i = *at;
  while (i < n_text && text[i] == ' ') i++;
  if (i >= n_text) return 0;
  int j = i;
  while (j < n_text && text[j] != ' ') j++;
  *start = i;
  *len = j - i;
  *at = j;
  return 1;
}

static int gram_tokenize(Fts5Tokenizer *tokenizer, void *ctx, int flags, const char *text, int n_text,
                         int (*emit)(void *, int, const char *, int, int, int)) {
  GramTokenizer *self = (GramTokenizer *)tokenizer;
  int at = 0;
  char *gram = 0;  /* a gram is never longer than the text */
  if (n_text > 0 && text[0] == GRAM_MARK) {
    at = 1;
    if ((flags & FTS5_TOKENIZE_DOCUMENT) && self->n_common > 0) {
      gram = sqlite3_malloc(n_text);
      if (!gram) return SQLITE_NOMEM;
    }
  }
  int start, len, next_start, next_len, rc = SQLITE_OK;
  int more = next_token(text, n_text, &at, &start, &len);
  int common = more && gram && is_common(self, text + start, len);
  while (more && rc == SQLITE_OK) {
    rc = emit(ctx, 0, text + start, len, start, start + len);
    more = next_token(text, n_text, &at, &next_start, &next_len);
    int next_common = more && gram && is_common(self, text + next_start, next_len);
    if (rc == SQLITE_OK && more && (common || next_common)) {
      memcpy(gram, text + start, (size_t)len);
      gram[len] = '_';
      memcpy(gram + len + 1, text + next_start, (size_t)next_len);
      rc = emit(ctx, FTS5_TOKEN_COLOCATED, gram, len + 1 + next_len, start, next_start + next_len);
    }
    start = next_start;
    len = next_len;
    common = next_common;
  }
  sqlite3_free(gram);
  return rc;
}

/* wirewatch_rows(fd): see the top of the file. */
#define ROWS_COLUMNS 8               /* columns c0..c7; a row may fill fewer (the rest are NULL) */
#define ROWS_FD_COLUMN ROWS_COLUMNS  /* the hidden argument */
#define ROWS_MAX_FIELD (1 << 30)
#define ROWS_READ_SIZE 65536

typedef struct RowsCursor {
  sqlite3_vtab_cursor base;
  int fd;
  int eof;
  sqlite3_int64 rowid;
  int n_col;
  unsigned int len[ROWS_COLUMNS];
  char *col[ROWS_COLUMNS]; /* into `field`, which holds the current row's columns */
  char *field;
  size_t field_cap;
  char *in; /* read ahead from the pipe: in[in_pos..in_len) */
  size_t in_pos, in_len;
} RowsCursor;

static int rows_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                        char **error) {
  (void)aux, (void)argc, (void)argv, (void)error;
  int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(c0, c1, c2, c3, c4, c5, c6, c7, fd HIDDEN)");
  if (rc != SQLITE_OK) return rc;
  sqlite3_vtab *table = sqlite3_malloc(sizeof(sqlite3_vtab));
  if (!table) return SQLITE_NOMEM;
  memset(table, 0, sizeof(*table));
  *out = table;
  return SQLITE_OK;
}

static int rows_disconnect(sqlite3_vtab *table) {
  sqlite3_free(table);
  return SQLITE_OK;
}

/* The pipe is the only way in: without an fd = ? constraint there is no plan. */
static int rows_best_index(sqlite3_vtab *table, sqlite3_index_info *info) {
  (void)table;
  for (int i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    if (c->iColumn == ROWS_FD_COLUMN && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->usable) {
      info->aConstraintUsage[i].argvIndex = 1;
      info->aConstraintUsage[i].omit = 1;
      info->estimatedCost = 1000.0;
      return SQLITE_OK;
    }
  }
  return SQLITE_CONSTRAINT;
}

static int rows_open(sqlite3_vtab *table, sqlite3_vtab_cursor **out) {
  (void)table;
  RowsCursor *cursor = sqlite3_malloc(sizeof(RowsCursor));
  if (!cursor) return SQLITE_NOMEM;
  memset(cursor, 0, sizeof(*cursor));
  cursor->fd = -1;
  cursor->in = sqlite3_malloc(ROWS_READ_SIZE);
  if (!cursor->in) {
    sqlite3_free(cursor);
    return SQLITE_NOMEM;
  }
  *out = &cursor->base;
  return SQLITE_OK;
}

static int rows_close(sqlite3_vtab_cursor *base) {
  RowsCursor *cursor = (RowsCursor *)base;
  sqlite3_free(cursor->field);
  sqlite3_free(cursor->in);
  sqlite3_free(cursor);
  return SQLITE_OK;
}

/* Copy n bytes from the pipe into dst: 1 when done, 0 at the end of the pipe before any byte, -1 on
   an error or a pipe ending inside the n bytes (errno 0 for the latter). */
static int rows_read(RowsCursor *cursor, char *dst, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (cursor->in_pos == cursor->in_len) {
      ssize_t got = read(cursor->fd, cursor->in, ROWS_READ_SIZE);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return -1;
      if (got == 0) {
        errno = 0;
        return done == 0 ? 0 : -1;
      }
      cursor->in_pos = 0;
      cursor->in_len = (size_t)got;
    }
    size_t take = cursor->in_len - cursor->in_pos;
    if (take > n - done) take = n - done;
    memcpy(dst + done, cursor->in + cursor->in_pos, take);
    cursor->in_pos += take;
    done += take;
  }
  return 1;
}

static sqlite3_uint64 little_endian(const unsigned char *bytes, int n) {
  sqlite3_uint64 value = 0;
  for (int i = n - 1; i >= 0; i--) value = (value << 8) | bytes[i];
  return value;
}

static int rows_fail(RowsCursor *cursor, const char *what) {
  sqlite3_vtab *table = cursor->base.pVtab;
  sqlite3_free(table->zErrMsg);
  table->zErrMsg = errno ? sqlite3_mprintf("wirewatch_rows: %s: %s", what, strerror(errno))
                         : sqlite3_mprintf("wirewatch_rows: %s", what);
  return SQLITE_ERROR;
}

/* Read the next row, or mark the end. */
static int rows_next(sqlite3_vtab_cursor *base) {
  RowsCursor *cursor = (RowsCursor *)base;
  unsigned char head[12];
  int got = rows_read(cursor, (char *)head, sizeof(head));
  if (got == 0) {
    cursor->eof = 1;
    return SQLITE_OK;
  }
  if (got < 0) return rows_fail(cursor, errno ? "cannot read a row" : "a row ends early");
  cursor->rowid = (sqlite3_int64)little_endian(head, 8);
  cursor->n_col = (int)little_endian(head + 8, 4);
  if (cursor->n_col < 0 || cursor->n_col > ROWS_COLUMNS) {
    errno = 0;
    return rows_fail(cursor, "a row has too many columns");
  }
  size_t used = 0;
  for (int i = 0; i < cursor->n_col; i++) {
    unsigned char size[4];
    if (rows_read(cursor, (char *)size, 4) != 1) return rows_fail(cursor, "a row ends early");
    sqlite3_uint64 len = little_endian(size, 4);
    if (len > ROWS_MAX_FIELD) {
      errno = 0;
      return rows_fail(cursor, "a column is too long");
    }
    if (used + len > cursor->field_cap) {
      size_t cap = 2 * (used + len) + 1;
      char *field = sqlite3_realloc64(cursor->field, cap);
      if (!field) return SQLITE_NOMEM;
      cursor->field = field;
      cursor->field_cap = cap;
    }
    if (len && rows_read(cursor, cursor->field + used, len) != 1) return rows_fail(cursor, "a row ends early");
    cursor->len[i] = (unsigned int)len;
    used += len;
  }
  for (int i = 0, at = 0; i < cursor->n_col; at += cursor->len[i], i++) cursor->col[i] = cursor->field + at;
  return SQLITE_OK;
}

static int rows_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                       sqlite3_value **argv) {
  (void)idx_num, (void)idx_str;
  RowsCursor *cursor = (RowsCursor *)base;
  cursor->fd = argc == 1 ? sqlite3_value_int(argv[0]) : -1;
  cursor->eof = 0;
  cursor->in_pos = cursor->in_len = 0;
  return rows_next(base);
}

static int rows_eof(sqlite3_vtab_cursor *base) { return ((RowsCursor *)base)->eof; }

static int rows_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int i) {
  RowsCursor *cursor = (RowsCursor *)base;
  if (i == ROWS_FD_COLUMN)
    sqlite3_result_int(ctx, cursor->fd);
  else if (i < cursor->n_col)
    sqlite3_result_text(ctx, cursor->col[i], (int)cursor->len[i], SQLITE_TRANSIENT);
  else
    sqlite3_result_null(ctx);
  return SQLITE_OK;
}

static int rows_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
  *rowid = ((RowsCursor *)base)->rowid;
  return SQLITE_OK;
}

static sqlite3_module rows_module = {
    .xConnect = rows_connect, /* no xCreate: eponymous only, used as wirewatch_rows(fd) */
    .xBestIndex = rows_best_index,
    .xDisconnect = rows_disconnect,
    .xOpen = rows_open,
    .xClose = rows_close,
    .xFilter = rows_filter,
    .xNext = rows_next,
    .xEof = rows_eof,
    .xColumn = rows_column,
    .xRowid = rows_rowid,
};

/* The FTS5 API of this connection, as SQLite hands it out: SELECT fts5(?) with a bound pointer. */
static fts5_api *fts5_of(sqlite3 *db) {
  fts5_api *api = 0;
  sqlite3_stmt *stmt = 0;
  if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, 0) == SQLITE_OK) {
    sqlite3_bind_pointer(stmt, 1, (void *)&api, "fts5_api_ptr", 0);
    sqlite3_step(stmt);
  }
  sqlite3_finalize(stmt);
  return api;
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **error, const sqlite3_api_routines *routines) {
  SQLITE_EXTENSION_INIT2(routines);
  fts5_api *api = fts5_of(db);
  if (!api || api->iVersion < 2) {
    *error = sqlite3_mprintf("wirewatch's FTS5 extension needs SQLite built with FTS5");
    return SQLITE_ERROR;
  }
  static fts5_tokenizer tokenizer = {gram_create, gram_delete, gram_tokenize};
  int rc = api->xCreateTokenizer(api, "wirewatch", 0, &tokenizer, 0);
  if (rc == SQLITE_OK) rc = api->xCreateFunction(api, "wirewatch_rank", 0, wirewatch_rank, 0);
  if (rc == SQLITE_OK) rc = sqlite3_create_module(db, "wirewatch_rows", &rows_module, 0);
  return rc;
}
