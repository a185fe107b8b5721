// One formatter for the kiosk's assistant panel and the console's device list (src/browser/device-name.ts).
export { modelOf } from '../../browser/device-name.ts';
