// podprof's own ESLint rule: the import rule of the tree (scripts/import-rule.mjs),
// file by file, so an editor shows a forbidden import as it is written. The unit
// test checks the same rule over the whole tree, with cycles and what the
// sidecar loads transitively.
import { dirname, relative, resolve } from 'node:path';
import { layerViolation, packageViolation } from './import-rule.mjs';

/** @type {import('eslint').Rule.RuleModule} */
const layers = {
  meta: { type: 'problem', docs: { description: 'imports cross only the boundaries README "Layout" allows' }, schema: [] },
  create(context) {
    const root = context.cwd;
    const from = relative(root, context.filename);
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const message = specifier.startsWith('.')
        ? layerViolation(from, relative(root, resolve(dirname(context.filename), specifier)))
        : packageViolation(from, specifier);
      if (message) context.report({ node, message });
    };
    return {
      ImportDeclaration: (n) => check(n.source, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n.source, n.source.value),
      ExportAllDeclaration: (n) => check(n.source, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n.source, n.source.value),
      TSImportType: (n) => {
        const lit = n.argument?.literal ?? n.argument;
        if (lit?.type === 'Literal') check(lit, lit.value);
      },
    };
  },
};

export const podprofPlugin = { meta: { name: 'podprof' }, rules: { layers } };
