import { ZH } from './zh';

// The page's language decides: <html lang="zh-CN"> gives Chinese, "en" keeps the English
// templates (they are the libraries' own texts and our msgids).
export function pageLocale() {
  const lang = (document.documentElement.getAttribute('lang') || 'zh').toLowerCase();
  return lang.startsWith('zh') ? 'zh' : 'en';
}

export function makeTranslate(locale) {
  const table = locale === 'zh' ? ZH : {};
  const lookup = (key) => (Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined);
  return function translate(template, replacements) {
    // The panel's header names types in Title Case ("User Task"); the table has "User task".
    const sentenceCase = template.charAt(0) + template.slice(1).toLowerCase();
    const text = lookup(template) ?? lookup(sentenceCase) ?? template;
    return text.replace(/{([^}]+)}/g, (whole, key) =>
      replacements && key in replacements ? replacements[key] : whole
    );
  };
}

// A diagram-js module that replaces the default `translate` service.
export function translateModule(locale) {
  return { translate: ['value', makeTranslate(locale)] };
}
