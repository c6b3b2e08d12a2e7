import { parseCSVTable, detectDelimiter } from '../src/index.ts';
import { isDecimal } from '../src/data/cells.ts';
const quotes = `a,b\n"${'""'.repeat(500_000)}",1\nx,2\n`;
let t = performance.now(); detectDelimiter(quotes); console.log('detect', performance.now() - t);
t = performance.now(); const tb = parseCSVTable(quotes, { delimiter: ',' }); console.log('table', performance.now() - t);
const v = tb.rows[0][0];
t = performance.now(); v.trim(); console.log('trim', performance.now() - t);
t = performance.now(); isDecimal(v.trim()); console.log('isDecimal', performance.now() - t);
t = performance.now(); const m = new Map(); m.set(v.trim(), 1); console.log('map', performance.now() - t);
