/**
 * The largest otoscope picture the record can carry: 768 KiB. The picture travels inline in the FHIR Bundle
 * (`Media.content.data`, base64), and base64 makes 4 characters of 3 bytes: 786 432 bytes become 1 048 576 characters,
 * the most a FHIR string may hold (1 MB: FHIR R4's rule for strings, which Medplum's validator applies to base64Binary
 * too). A bigger picture would make the consultation's whole export invalid: the push to the FHIR server and the
 * report document would both be refused. So the kiosk encodes its snapshots under it (src/renderer/call/snapshot.ts)
 * and the hub refuses anything bigger (src/hub/store/media.ts). A full-HD JPEG of an ear canal fits at quality 0.85.
 */
export const MAX_PICTURE_BYTES = 768 * 1024;
