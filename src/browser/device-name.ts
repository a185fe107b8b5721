/**
 * The brand and model out of a driver's name ("Omron HEM-790IT / HEM-7080IT blood-pressure monitor (USB HID)" →
 * "Omron HEM-790IT / HEM-7080IT"): the words up to the first lower-case one, without bracketed details. The
 * description after them is English; each app says what the device is in the reader's language instead. Model
 * names are for the assistant and the doctor (support, proper names); the patient only hears the category.
 */
export function modelOf(name: string): string {
  const words = name.replace(/\([^)]*\)/g, ' ').split(/\s+/).filter(Boolean);
  const end = words.findIndex((w) => /^[a-z]/.test(w));
  return (end < 0 ? words : words.slice(0, end)).join(' ').replace(/[,;:]$/, '');
}
