/**
 * The .flow language for Monaco: a Monarch tokenizer (colours only: the compiler in the worker is
 * the judge of what is valid) and the language configuration (comments, brackets, folding,
 * indentation). The words are grammar/tokens.ts's keywords.
 */
import type { languages } from 'monaco-editor/editor/editor.api';

export const LANGUAGE_ID = 'runnel';

export const KEYWORDS = [
  'flow', 'entry', 'once', 'always', 'every', 'relevance', 'active', 'from', 'until', 'timezone', 'brand', 'exit', 'on', 'when', 'where',
  'steps', 'wait', 'otherwise', 'stop', 'within', 'for', 'up', 'to', 'timeout', 'if', 'else', 'split', 'parallel', 'branch', 'limit', 'per',
  'budget', 'at', 'send', 'webhook', 'issue', 'promo', 'award', 'points', 'expires', 'set', 'add', 'remove', 'segment',
];
export const OPERATOR_WORDS = ['and', 'or', 'not', 'in'];
export const CONSTANTS = ['true', 'false', 'null'];
export const CONTEXT_WORDS = ['customer', 'order', 'item', 'product', 'action', 'view', 'session', 'promo', 'balance', 'card', 'params', 'it'];

export const monarch: languages.IMonarchLanguage = {
  defaultToken: '',
  keywords: KEYWORDS,
  operatorWords: OPERATOR_WORDS,
  constants: CONSTANTS,
  contextWords: CONTEXT_WORDS,
  tokenizer: {
    root: [
      [/\/\/.*$/, 'comment'],
      [/\/\*/, 'comment', '@comment'],
      [/"([^"\\]|\\.)*$/, 'string.invalid'],
      [/"/, 'string', '@string'],
      [/'([^'\\]|\\.)*'/, 'string.invalid'],
      // Literals, the longest specific form first (as the lexer does).
      [/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?/, 'number.date'],
      [/\d{4}-\d{2}-\d{2}/, 'number.date'],
      [/\d+[wdhms](?:\d+[wdhms])*(?![A-Za-z0-9_])/, 'number.duration'],
      [/\d{1,2}:\d{2}(?![0-9])/, 'number.time'],
      [/\d+(?:\.\d+)?%/, 'number.percent'],
      [/\d+(?:\.\d+)?/, 'number'],
      // Event names are capitalized: NewOrder, CustomerLeftSite.
      [/[A-Z][A-Za-z0-9_]*/, 'type.identifier'],
      [
        /[a-z_][A-Za-z0-9_]*/,
        {
          cases: {
            '@keywords': 'keyword',
            '@operatorWords': 'keyword.operator',
            '@constants': 'constant',
            '@contextWords': 'variable.predefined',
            '@default': 'identifier',
          },
        },
      ],
      [/[{}()[\]]/, '@brackets'],
      [/==|!=|<=|>=|=>|&&|\|\||\.\.|[<>=+\-*/!]/, 'operator'],
      [/[,:.]/, 'delimiter'],
    ],
    comment: [
      [/[^/*]+/, 'comment'],
      [/\*\//, 'comment', '@pop'],
      [/[/*]/, 'comment'],
    ],
    string: [
      [/[^\\"]+/, 'string'],
      [/\\./, 'string.escape'],
      [/"/, 'string', '@pop'],
    ],
  },
};

export const configuration: languages.LanguageConfiguration = {
  comments: { lineComment: '//', blockComment: ['/*', '*/'] },
  brackets: [
    ['{', '}'],
    ['[', ']'],
    ['(', ')'],
  ],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"', notIn: ['string', 'comment'] },
  ],
  surroundingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '(', close: ')' },
    { open: '"', close: '"' },
  ],
  // Folding follows the braces (indentation-based folding would fold a `when` continuation line).
  folding: { markers: { start: /^\s*\/\/\s*#?region\b/, end: /^\s*\/\/\s*#?endregion\b/ } },
  indentationRules: { increaseIndentPattern: /\{[^}"]*$/, decreaseIndentPattern: /^\s*\}/ },
  wordPattern: /[A-Za-z_][A-Za-z0-9_]*|-?\d+(?:\.\d+)?[%wdhms]?/,
};

/** JSON Lines (events, customer profiles): one JSON object a line. */
export const JSONL_ID = 'jsonl';
export const jsonlMonarch: languages.IMonarchLanguage = {
  defaultToken: '',
  tokenizer: {
    root: [
      [/"(?:[^"\\]|\\.)*"(?=\s*:)/, 'type.identifier'],
      [/"(?:[^"\\]|\\.)*"/, 'string'],
      [/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/, 'number'],
      [/\b(?:true|false|null)\b/, 'constant'],
      [/[{}[\]]/, '@brackets'],
      [/[,:]/, 'delimiter'],
    ],
  },
};
export const jsonlConfiguration: languages.LanguageConfiguration = {
  brackets: [
    ['{', '}'],
    ['[', ']'],
  ],
  autoClosingPairs: [
    { open: '{', close: '}' },
    { open: '[', close: ']' },
    { open: '"', close: '"', notIn: ['string'] },
  ],
};
