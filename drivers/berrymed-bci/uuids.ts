/**
 * The Microchip (ISSC) "transparent UART" the BM1000 family carries BCI over (ble-fhir.md §B6; zh2x/SpO2-BLE-for-
 * Android Const.java; adafruit/Adafruit_CircuitPython_BLE_BerryMed_Pulse_Oximeter transparent_uart.py).
 */
export const BCI = {
  service: '49535343-fe7d-4ae5-8fa9-9fafd205e455',
  /** The device's TX: notify only, not readable. */
  notify: '49535343-1e4d-4bd9-ba61-23c647249616',
  /** The device's RX (write, write without response): BCI defines no command, so the cabin never writes it. */
  write: '49535343-8841-43f4-a8d4-ecbe34729bb3',
} as const;

/**
 * Frames per second, one pleth sample each. 100 Hz: the rate given for the BM1000 in this brief; the BCI
 * protocol PDF (zh2x/BCI_Protocol) could not be read here and no readable source states it, so a real capture should
 * confirm it. Only the waveform's `rate` and the spacing of frame times depend on it.
 */
export const FRAME_RATE_HZ = 100;
