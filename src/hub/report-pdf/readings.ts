// One grouping of the report's readings for the PDF and the doctor console's past report (moved to src/shared).
export * from '../../shared/report-readings.ts';
