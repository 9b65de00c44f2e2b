/** Every view of the playground, in the order the page shows them (each draws what `inspectors[name]` of the library computes). */
import type { View } from '../view-contract.js';
import { view as alignment } from './alignment.js';
import { view as attention } from './attention.js';
import { view as forecast } from './forecast.js';
import { view as patches } from './patches.js';
import { view as gates } from './gates.js';
import { view as gradientFlow } from './gradient-flow.js';
import { view as positionalEncoding } from './positional-encoding.js';
import { view as sampling } from './sampling.js';

export const VIEWS: View[] = [gradientFlow, gates, attention, positionalEncoding, sampling, alignment, forecast, patches];
