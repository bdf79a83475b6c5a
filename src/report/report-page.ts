import { REPORT_CSS } from './report-css.js';
import { SCRIPT_CORE } from './report-script-core.js';
import { SCRIPT_EVENTS_RISK } from './report-script-events.js';
import { SCRIPT_OPERATOR } from './report-script-operator.js';
import { SCRIPT_STRATEGY } from './report-script-strategy.js';

export { REPORT_CSS } from './report-css.js';

/**
 * The report page's one script, assembled from its parts: shared helpers, the strategy charts, the operator
 * charts. It exposes window.__reportCharts (chart id → Chart instance) and sets window.__reportReady when done.
 */
export const REPORT_SCRIPT = SCRIPT_CORE + SCRIPT_STRATEGY + SCRIPT_EVENTS_RISK + SCRIPT_OPERATOR + String.raw`  window.__reportReady = true;
  document.documentElement.setAttribute('data-report-ready', '1');
})();
`;
