// SPDX-License-Identifier: MIT
// A mixed workload: a linked list (insert in order, delete, walk), small 4x4 integer matrix
// products, and a state-machine tokenizer over a generated source-like string.
#include <stddef.h>
#include <stdint.h>

// --- Linked list over a fixed node pool -------------------------------------------------

#define POOL_SIZE 4096

typedef struct node {
  struct node* next;
  uint32_t key;
  uint32_t payload;
} node;

static node pool[POOL_SIZE];
static node* free_list;

static void pool_reset(void) {
  free_list = NULL;
  for (int i = POOL_SIZE - 1; i >= 0; --i) {
    pool[i].next = free_list;
    free_list = &pool[i];
  }
}

static uint32_t list_round(uint32_t seed) {
  pool_reset();
  node* head = NULL;
  uint32_t x = seed | 1u;
  uint32_t checksum = 0;
  for (int i = 0; i < 600; ++i) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    if ((x & 3u) != 0 && free_list != NULL) {  // insert in key order
      node* n = free_list;
      free_list = n->next;
      n->key = x % 5000u;
      n->payload = x;
      node** link = &head;
      while (*link != NULL && (*link)->key < n->key) link = &(*link)->next;
      n->next = *link;
      *link = n;
    } else {  // delete the first node with key >= a probe
      uint32_t probe = x % 5000u;
      node** link = &head;
      while (*link != NULL && (*link)->key < probe) link = &(*link)->next;
      if (*link != NULL) {
        node* dead = *link;
        *link = dead->next;
        checksum += dead->payload;
        dead->next = free_list;
        free_list = dead;
      }
    }
  }
  for (node* n = head; n != NULL; n = n->next) checksum = checksum * 33u + n->key;
  return checksum;
}

// --- 4x4 integer matrices -----------------------------------------------------------------

static uint32_t matrix_round(uint32_t seed) {
  uint32_t m[4][4], acc[4][4], tmp[4][4];
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) {
      m[i][j] = (seed >> ((i * 4 + j) & 31)) & 7u;
      acc[i][j] = i == j;
    }
  }
  for (int r = 0; r < 200; ++r) {
    for (int i = 0; i < 4; ++i) {
      for (int j = 0; j < 4; ++j) {
        uint32_t s = 0;
        for (int k = 0; k < 4; ++k) s += acc[i][k] * m[k][j];
        tmp[i][j] = s ^ (uint32_t)r;
      }
    }
    for (int i = 0; i < 4; ++i)
      for (int j = 0; j < 4; ++j) acc[i][j] = tmp[i][j];
  }
  uint32_t trace = 0;
  for (int i = 0; i < 4; ++i) trace = trace * 7u + acc[i][i] + acc[i][3 - i];
  return trace;
}

// --- Tokenizer ----------------------------------------------------------------------------

#define TEXT_SIZE 8192

static char text[TEXT_SIZE + 1];

static void generate_text(uint32_t seed) {
  static const char* const pieces[] = {"let ", "x1", " = ", "42", " + ", "(", ")", "foo_bar",
                                       " * ", "7", ";\n", "  ", "if ", "<=", "0x1F", "\"str\"",
                                       "// note\n", "y", " - ", "1000"};
  uint32_t x = seed | 1u;
  size_t pos = 0;
  while (pos < TEXT_SIZE) {
    x = x * 1664525u + 1013904223u;
    const char* p = pieces[(x >> 16) % 20u];
    while (*p != '\0' && pos < TEXT_SIZE) text[pos++] = *p++;
  }
  text[TEXT_SIZE] = '\0';
}

enum state { S_START, S_IDENT, S_NUMBER, S_HEX, S_STRING, S_COMMENT, S_OP };

static int is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Returns a checksum of the token kinds, lengths and numeric values.
static uint32_t tokenize(void) {
  enum state s = S_START;
  uint32_t h = 2166136261u;
  uint32_t value = 0;
  int start = 0;
  for (int i = 0; i <= TEXT_SIZE; ++i) {
    char c = text[i];
    switch (s) {
      case S_START:
        start = i;
        value = 0;
        if (is_alpha(c)) s = S_IDENT;
        else if (c == '0' && text[i + 1] == 'x') { s = S_HEX; ++i; }
        else if (is_digit(c)) { s = S_NUMBER; value = (uint32_t)(c - '0'); }
        else if (c == '"') s = S_STRING;
        else if (c == '/' && text[i + 1] == '/') s = S_COMMENT;
        else if (c != ' ' && c != '\n' && c != '\0') s = S_OP;
        continue;
      case S_IDENT:
        if (is_alpha(c) || is_digit(c)) continue;
        h = (h ^ (uint32_t)(1000 + i - start)) * 16777619u;
        break;
      case S_NUMBER:
        if (is_digit(c)) { value = value * 10u + (uint32_t)(c - '0'); continue; }
        h = (h ^ value) * 16777619u;
        break;
      case S_HEX:
        if (is_hex(c)) {
          value = value * 16u + (uint32_t)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
          continue;
        }
        h = (h ^ (value + 77u)) * 16777619u;
        break;
      case S_STRING:
        if (c != '"' && c != '\0') continue;
        h = (h ^ (uint32_t)(2000 + i - start)) * 16777619u;
        s = S_START;
        continue;  // the closing quote belongs to the string
      case S_COMMENT:
        if (c != '\n' && c != '\0') continue;
        h = (h ^ 3000u) * 16777619u;
        break;
      case S_OP:
        if (c == '=' && (text[i - 1] == '<' || text[i - 1] == '>')) continue;
        h = (h ^ (uint32_t)(unsigned char)text[start]) * 16777619u;
        break;
    }
    // The current character ends a token: start a new one with it.
    s = S_START;
    --i;
  }
  return h;
}

// n: number of rounds; each does one list, one matrix and one tokenizer workload.
uint32_t bench_run(uint32_t n) {
  uint32_t checksum = 0;
  for (uint32_t round = 0; round < n; ++round) {
    uint32_t seed = round * 2654435761u + 1u;
    checksum = checksum * 31u + list_round(seed);
    checksum = checksum * 31u + matrix_round(seed);
    if (round % 4u == 0) generate_text(seed);
    checksum = checksum * 31u + tokenize();
  }
  return checksum;
}
