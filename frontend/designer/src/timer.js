// A preview of when a timer fires, computed from its expression. The engine evaluates timer
// expressions as Python, so a literal arrives quoted ("P3D"); anything else (a data field, a
// helper call) is only known when an instance runs, and the preview says so.

const DURATION = /^([+-])?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

export function literalText(expression) {
  const text = (expression || '').trim();
  const quoted = /^(['"])(.*)\1$/.exec(text);
  if (quoted) return quoted[2];
  return /^[+-]?P|^R\d*\/|^\d{4}-\d{2}-\d{2}/.test(text) ? text : null;
}

export function parseDuration(text) {
  const match = DURATION.exec(text);
  if (!match) return null;
  const [, sign, years, months, weeks, days, hours, minutes, seconds] = match;
  const factor = sign === '-' ? -1 : 1;
  const n = (value) => factor * Number(value || 0);
  return {
    years: n(years), months: n(months), days: n(days) + 7 * n(weeks),
    hours: n(hours), minutes: n(minutes), seconds: n(seconds)
  };
}

export function addDuration(moment, duration) {
  const next = new Date(moment.getTime());
  next.setFullYear(next.getFullYear() + duration.years, next.getMonth() + duration.months);
  next.setDate(next.getDate() + duration.days);
  next.setTime(next.getTime() + ((duration.hours * 60 + duration.minutes) * 60 + duration.seconds) * 1000);
  return next;
}

function parseDate(text) {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  const moment = new Date(text);
  return Number.isNaN(moment.getTime()) ? null : moment;
}

/**
 * The next firings (at most `count`) of a timer of `kind` (timeDate, timeDuration, timeCycle)
 * counted from `now`; null when the expression is not a literal (computed at run time); [] when
 * it is a literal that cannot be read.
 */
export function nextFirings(kind, expression, now = new Date(), count = 3) {
  const text = literalText(expression);
  if (text === null) return null;
  if (kind === 'timeDate') {
    const moment = parseDate(text);
    return moment ? [moment] : [];
  }
  if (kind === 'timeDuration') {
    const duration = parseDuration(text);
    return duration ? [addDuration(now, duration)] : [];
  }
  const cycle = /^R(\d*)\/(?:([^/]+)\/)?([^/]+)$/.exec(text);
  if (!cycle) return [];
  const repeats = cycle[1] === '' ? Infinity : Number(cycle[1]);
  const duration = parseDuration(cycle[3]);
  if (!duration) return [];
  let moment = cycle[2] ? parseDate(cycle[2]) : addDuration(now, duration);
  if (!moment) return [];
  const firings = [];
  for (let i = 0; i < Math.min(repeats, count); i++) {
    firings.push(moment);
    moment = addDuration(moment, duration);
  }
  return firings;
}

/** A firing as the people read it: Beijing time, whatever the browser's zone. */
export function formatFiring(moment, locale) {
  return new Intl.DateTimeFormat(locale === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', weekday: 'short'
  }).format(moment);
}
