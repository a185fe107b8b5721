import type {
  Bundle,
  BundleEntry,
  CodeableConcept,
  Composition,
  Device,
  DocumentReference,
  Encounter,
  Extension,
  Identifier,
  Observation,
  ObservationComponent,
  Patient,
  Practitioner,
  Quantity,
  Reference,
  Resource,
} from '@medplum/fhirtypes';
import { CATALOGUE } from '../../shared/catalogue.ts';
import type { ConsultationReport, StoredReportReading } from '../../shared/hub-protocol.ts';
import type { PatientIdentity } from '../../shared/patient-identity.ts';
import { ACT_CODE, dataAbsentReason, fhirDateTime, GATEWAY_EXTENSION, LOINC_SYSTEM, MDC_SYSTEM, mdcCoding, OBSERVATION_CATEGORY, PHD_CATEGORY_SYSTEM, PHD_IDENTIFIER_SYSTEM, systems, UCUM_SYSTEM, xhtml, type FhirExportOptions } from './codes.ts';
import { phdIdentifier, stableUuid } from './ids.ts';
import { clockKey, COINCIDENT_EXTENSION, coincidentTimeStamp, timeSyncProperty } from './clock.ts';
import { keepDecimals } from './json.ts';
import { imagesSection, mediaResource, type MediaSource } from './media.ts';
import { MARKED_NOTE, sampledData, waveformKey } from './sampled.ts';
import type { PlethExcerpt } from '../../shared/visit-devices.ts';
import { deviceResource, patientResource } from './subjects.ts';

/**
 * One consultation as a FHIR R4 Bundle, per the HL7 Personal Health Device IG (STU2) where our data allows: the
 * patient (INS identifier, or flagged unidentified), the doctor, the encounter (virtual), the cabin as the gateway
 * device (PhgDevice), each peripheral as a PhdDevice, every reading as a PHD Observation (blood pressure as one compound
 * observation), the report as a Composition, and a DocumentReference to its PDF.
 *
 * Deterministic: the same consultation gives the same Bundle, byte for byte (ids are UUIDs derived from the hub's
 * identifiers), so a second push creates nothing.
 */

/** The codes FHIR's vital-signs category covers (R4 observation-vitalsigns). */
const VITAL = /^MDC_(PULS_OXIM_SAT_O2|PULS_OXIM_PULS_RATE|PRESS_BLD_NONINV_|PULS_RATE_NON_INV|TEMP_|MASS_BODY_ACTUAL|LEN_BODY_ACTUAL|RATIO_MASS_BODY_LEN_SQ)/;

/** Flags that make a value preliminary rather than final (PHD: status from the measurement status). */
const PRELIMINARY = new Set(['early-estimate', 'calibrating']);

const BP_PARTS = ['MDC_PRESS_BLD_NONINV_SYS', 'MDC_PRESS_BLD_NONINV_DIA', 'MDC_PRESS_BLD_NONINV_MEAN'];

interface Entry {
  resource: Resource & { id: string };
  /** The identifier the server finds it by (conditional create). */
  match?: Identifier;
}

/** The Bundle of one consultation. `patient` null: exported as an unidentified patient, flagged as such. */
export function consultationBundle(report: ConsultationReport, patient: PatientIdentity | null, opts: FhirExportOptions = {}, media: readonly MediaSource[] = []): Bundle {
  const sys = systems(opts.systemBase);
  const tz = opts.timeZone ?? 'Europe/Paris';
  const cid = report.consultationId;
  const id = (kind: string, key = ''): string => stableUuid(sys.consultation, cid, kind, key);
  const ref = <T extends Resource = Resource>(e: Entry): Reference<T> => ({ reference: `urn:uuid:${e.resource.id}` });
  const entries: Entry[] = [];
  const add = <T extends Resource & { id: string }>(resource: T, match?: Identifier): Entry => {
    const e: Entry = { resource, ...(match ? { match } : {}) };
    entries.push(e);
    return e;
  };

  // The patient: the INS when known, always the consultation's own patient identifier (the PHD identifiers use it).
  const subject = patientResource(patient, cid, id('patient'), sys);
  const patientEntry = add(subject.resource, subject.match);
  const phdPatient = subject.phdPatient;

  const doctorEntry = report.doctor
    ? add<Practitioner & { id: string }>(
        { resourceType: 'Practitioner', id: id('practitioner', report.doctor.id), identifier: [{ system: sys.account, value: report.doctor.id }], name: [{ text: report.doctor.name }] },
        { system: sys.account, value: report.doctor.id },
      )
    : undefined;

  const gatewayEntry = add<Device & { id: string }>(
    {
      resourceType: 'Device',
      id: id('gateway', report.cabin.id),
      identifier: [{ system: sys.cabin, value: report.cabin.id }],
      deviceName: [{ name: report.cabin.name, type: 'user-friendly-name' }],
      type: { coding: [mdcCoding(531981, 'MDC_MOC_VMS_MDS_AHD')] },
      property: [timeSyncProperty(opts.timeSync)],
    },
    { system: sys.cabin, value: report.cabin.id },
  );

  const start = report.claimedAt ?? report.createdAt;
  const encounterEntry = add<Encounter & { id: string }>(
    {
      resourceType: 'Encounter',
      id: id('encounter'),
      identifier: [{ system: sys.consultation, value: cid }],
      status: report.endedAt !== null ? 'finished' : report.claimedAt !== null ? 'in-progress' : 'planned',
      class: { system: ACT_CODE, code: 'VR', display: 'virtual' },
      subject: ref(patientEntry),
      ...(doctorEntry ? { participant: [{ individual: ref(doctorEntry) }] } : {}),
      period: { start: fhirDateTime(start, tz), ...(report.endedAt !== null ? { end: fhirDateTime(report.endedAt, tz) } : {}) },
    },
    { system: sys.consultation, value: cid },
  );

  // The peripherals, each once, recognised by what it measured.
  const byDevice = new Map<string, StoredReportReading[]>();
  for (const r of report.readings) {
    const key = r.deviceId ?? 'unknown';
    const list = byDevice.get(key);
    if (list) list.push(r);
    else byDevice.set(key, [r]);
  }
  // What the cabin said of its devices (hub-protocol `device`), and their pleth excerpts: a device with only a pleth too.
  const described = new Map((report.devices ?? []).map((d) => [d.deviceId, d]));
  const pleth = report.pleth ?? [];
  for (const p of pleth) if (!byDevice.has(p.deviceId)) byDevice.set(p.deviceId, []);
  const deviceEntries = new Map<string, { entry: Entry; phdKey: string }>();
  for (const [deviceId, readings] of byDevice) {
    const codes = new Set<string>([...readings.map((r) => r.code), ...pleth.filter((p) => p.deviceId === deviceId).map((p) => p.code)]);
    const d = deviceResource(deviceId, codes, id('device', deviceId), sys, described.get(deviceId));
    deviceEntries.set(deviceId, { entry: add(d.resource, d.match), phdKey: d.phdKey });
  }

  // Each device clock the readings saw, beside the cabin's (PhdCoincidentTimeStampObservation), once.
  const clocks = new Map<string, Entry>();
  for (const r of report.readings) {
    const key = clockKey(r.deviceId ?? 'unknown', r.deviceClock);
    if (key === undefined || clocks.has(key)) continue;
    const device = deviceEntries.get(r.deviceId ?? 'unknown')!;
    // No `|` in a value: a FHIR server's token search (ifNoneExist) would split it as system|code.
    const identifier = { system: sys.coincidentTime, value: `${cid}/${key.replaceAll('|', '/')}` };
    clocks.set(key, add(coincidentTimeStamp(id('clock', key), identifier, r.deviceClock!, r.t, ref<Device>(device.entry), ref<Device>(gatewayEntry), tz), identifier));
  }

  // The readings: a cuff's systolic, diastolic and mean of one measurement as one compound observation.
  const observationEntries: Entry[] = [];
  const used = new Set<StoredReportReading>();
  const bpGroups = new Map<string, StoredReportReading[]>();
  for (const r of report.readings) {
    if (!r.measurementId || !BP_PARTS.includes(r.code)) continue;
    const key = `${r.deviceId ?? ''}|${r.measurementId}`;
    const group = bpGroups.get(key);
    if (group) group.push(r);
    else bpGroups.set(key, [r]);
  }
  const common = (r: Pick<StoredReportReading, 'deviceId' | 't' | 'flags' | 'deviceClock' | 'reported'>) => {
    const device = deviceEntries.get(r.deviceId ?? 'unknown')!;
    const flags = r.flags ?? [];
    const clock = clocks.get(clockKey(r.deviceId ?? 'unknown', r.deviceClock) ?? '');
    const extension: Extension[] = [
      { url: GATEWAY_EXTENSION, valueReference: ref(gatewayEntry) },
      ...(clock ? [{ url: COINCIDENT_EXTENSION, valueReference: ref(clock) }] : []),
    ];
    return {
      device,
      flags,
      base: {
        resourceType: 'Observation' as const,
        extension,
        status: flags.some((f) => PRELIMINARY.has(f)) ? ('preliminary' as const) : ('final' as const),
        subject: ref<Patient>(patientEntry),
        encounter: ref<Encounter>(encounterEntry),
        effectiveDateTime: fhirDateTime(r.t, tz),
        device: ref<Device>(device.entry),
        ...(noteOf(flags, r) ? { note: [{ text: noteOf(flags, r) }] } : {}),
      },
    };
  };
  const category = (codes: readonly string[]): CodeableConcept[] => [
    { coding: [{ system: PHD_CATEGORY_SYSTEM, code: 'phd', display: 'PHD generated' }] },
    ...(codes.every((c) => VITAL.test(c)) ? [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] }] : []),
  ];
  const codeOf = (code: string): CodeableConcept => {
    const m = CATALOGUE.get(code);
    if (!m) return { coding: [{ system: MDC_SYSTEM, code, display: code }], text: code };
    return { coding: [mdcCoding(m.mdc, m.code), ...m.loinc.map((l) => ({ system: LOINC_SYSTEM, code: l }))], text: m.names.fr };
  };
  // A reading's value, or (the device's special value) its dataAbsentReason and no value: exactly one (PHD IG).
  const valueOf = (r: StoredReportReading): { valueQuantity: Quantity } | { dataAbsentReason: CodeableConcept } =>
    r.value !== undefined
      ? { valueQuantity: keepDecimals({ value: r.value, unit: r.unit, system: UCUM_SYSTEM, code: r.unit }, r.decimals) }
      : { dataAbsentReason: dataAbsentReason(r.absent ?? 'nan') };
  const deviceTime = (r: StoredReportReading): number => r.t + (r.deviceClock?.offsetMs ?? 0);
  const flagExtensions = (flags: readonly string[]): Extension[] => flags.map((f) => ({ url: sys.flag, valueCode: f }));

  for (const group of bpGroups.values()) {
    const first = group[0]!;
    const { device, flags, base } = common(first);
    group.forEach((r) => used.add(r));
    const components: ObservationComponent[] = BP_PARTS.flatMap((code) => {
      const r = group.find((x) => x.code === code);
      return r ? [{ code: codeOf(code), ...valueOf(r) }] : [];
    });
    const key = `${first.deviceId ?? ''}|${first.measurementId}`;
    const phd = phdIdentifier(device.phdKey, phdPatient, 150020, deviceTime(first));
    observationEntries.push(
      add<Observation & { id: string }>(
        {
          ...base,
          extension: [...base.extension, ...flagExtensions(flags)],
          id: id('bp', key),
          identifier: [{ system: PHD_IDENTIFIER_SYSTEM, value: phd }, { system: sys.observation, value: group.map((r) => r.id).sort().join('+') }],
          category: category(['MDC_PRESS_BLD_NONINV_SYS']),
          code: { coding: [mdcCoding(150020, 'MDC_PRESS_BLD_NONINV'), { system: LOINC_SYSTEM, code: '85354-9' }], text: 'Pression artérielle' },
          component: components,
        },
        { system: PHD_IDENTIFIER_SYSTEM, value: phd },
      ),
    );
  }
  for (const r of report.readings) {
    if (used.has(r)) continue;
    const { device, flags, base } = common(r);
    const m = CATALOGUE.get(r.code);
    const phd = phdIdentifier(device.phdKey, phdPatient, m?.mdc ?? 0, deviceTime(r));
    // Two readings of one code and one device time (a continuous oximeter's repeats) keep both: the hub's id decides.
    observationEntries.push(
      add<Observation & { id: string }>(
        {
          ...base,
          extension: [...base.extension, ...flagExtensions(flags)],
          id: id('reading', r.id),
          identifier: [{ system: PHD_IDENTIFIER_SYSTEM, value: phd }, { system: sys.observation, value: r.id }],
          category: category([r.code]),
          code: codeOf(r.code),
          ...valueOf(r),
        },
        { system: sys.observation, value: r.id },
      ),
    );
  }

  // Each pleth excerpt as a waveform observation (PhdRtsaObservation): valueSampledData, from the cabin's clock.
  const waveformEntries = pleth.map((p) => {
    const { device, base } = common({ deviceId: p.deviceId, t: p.t });
    const key = waveformKey(p);
    const m = CATALOGUE.get(p.code);
    const phd = phdIdentifier(device.phdKey, phdPatient, m?.mdc ?? 0, p.t);
    return add<Observation & { id: string }>(
      {
        ...base,
        id: id('waveform', key),
        identifier: [{ system: PHD_IDENTIFIER_SYSTEM, value: p.marked ? `${phd}-marked-${p.samples.length}` : phd }, { system: sys.waveform, value: key }],
        category: category([p.code]),
        code: codeOf(p.code),
        valueSampledData: sampledData(p),
        // The doctor's kept passage says so (the cabin's first seconds need no word).
        ...(p.marked ? { note: [{ text: MARKED_NOTE }] } : {}),
      },
      { system: sys.waveform, value: key },
    );
  });

  // The cabin's pictures (the otoscope's), each a Media found again by the hub's id for it (media.ts).
  const mediaEntries = media.map((m) => {
    const identifier = { system: sys.media, value: `${cid}/${m.mediaId}` };
    return add(mediaResource(m, { id: id('media', m.mediaId), identifier, subject: ref(patientEntry), encounter: ref(encounterEntry), device: ref(gatewayEntry), timeZone: tz }), identifier);
  });

  // The report: a Composition over the readings, the notes and the incidents; its PDF as a DocumentReference.
  const docEntry = add<DocumentReference & { id: string }>(
    {
      resourceType: 'DocumentReference',
      id: id('document'),
      identifier: [{ system: sys.consultation, value: `${cid}/report.pdf` }],
      status: 'current',
      ...(report.endedAt !== null ? { docStatus: 'final' as const } : { docStatus: 'preliminary' as const }),
      type: { coding: [{ system: LOINC_SYSTEM, code: '11488-4', display: 'Consult note' }] },
      subject: ref(patientEntry),
      ...(doctorEntry ? { author: [ref(doctorEntry)] } : {}),
      content: [{ attachment: { contentType: 'application/pdf', language: 'fr', title: 'Compte rendu de téléconsultation', ...(opts.pdfUrl ? { url: opts.pdfUrl } : {}) } }],
      context: { encounter: [ref(encounterEntry)] },
    },
    { system: sys.consultation, value: `${cid}/report.pdf` },
  );
  const incidents = report.incidents.map((i) => `${fhirDateTime(i.t, tz)} (${i.side}) ${i.detail}`).join('\n');
  add<Composition & { id: string }>(
    {
      resourceType: 'Composition',
      id: id('composition'),
      identifier: { system: sys.consultation, value: `${cid}/report` },
      status: report.endedAt !== null ? 'final' : 'preliminary',
      type: { coding: [{ system: LOINC_SYSTEM, code: '11488-4', display: 'Consult note' }] },
      subject: ref(patientEntry),
      encounter: ref(encounterEntry),
      date: fhirDateTime(report.endedAt ?? start, tz),
      author: [doctorEntry ? ref(doctorEntry) : ref(gatewayEntry)],
      title: 'Compte rendu de téléconsultation',
      language: 'fr',
      section: [
        {
          title: 'Mesures',
          code: { coding: [{ system: LOINC_SYSTEM, code: '8716-3', display: 'Vital signs' }] },
          text: { status: 'generated', div: xhtml(`${observationEntries.length} mesure(s) des appareils de la cabine ${report.cabin.name}.`) },
          ...(observationEntries.length > 0 ? { entry: observationEntries.map(ref) } : { emptyReason: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/list-empty-reason', code: 'nilknown' }] } }),
        },
        ...(waveformEntries.length > 0
          ? [{ title: 'Courbes', text: { status: 'generated' as const, div: xhtml(curvesText(pleth)) }, entry: waveformEntries.map(ref) }]
          : []),
        ...imagesSection(mediaEntries.map(ref)),
        { title: 'Notes du médecin', text: { status: 'additional', div: xhtml(report.notes.trim() || '—') } },
        ...(incidents ? [{ title: 'Incidents techniques', text: { status: 'additional' as const, div: xhtml(incidents) } }] : []),
        { title: 'Document', entry: [ref(docEntry)] },
      ],
    },
    { system: sys.consultation, value: `${cid}/report` },
  );

  const transaction = (opts.type ?? 'transaction') === 'transaction';
  return {
    resourceType: 'Bundle',
    id: id('bundle'),
    type: transaction ? 'transaction' : 'collection',
    ...(transaction ? {} : { timestamp: fhirDateTime(report.endedAt ?? start, tz) }),
    entry: entries.map((e): BundleEntry => (transaction ? transactionEntry(e, sys.patient) : { fullUrl: `urn:uuid:${e.resource.id}`, resource: e.resource })),
  };
}

/**
 * How the FHIR server takes an entry, exactly once however often it is sent. What is this consultation's own (found by
 * the hub's identifiers) is a conditional update: sent again after the identity was filed or corrected, the server's
 * copy is replaced, its patient reference included, and none is made twice. A patient found by a qualified INS is the
 * person's record, shared with other care: created when the server has none, never overwritten from here.
 */
function transactionEntry(e: Entry, consultationPatients: string): BundleEntry {
  const type = e.resource.resourceType;
  const fullUrl = `urn:uuid:${e.resource.id}`;
  if (!e.match) return { fullUrl, resource: e.resource, request: { method: 'POST', url: type } };
  const search = `identifier=${encodeURIComponent(`${e.match.system}|${e.match.value}`)}`;
  if (type === 'Patient' && e.match.system !== consultationPatients) return { fullUrl, resource: e.resource, request: { method: 'POST', url: type, ifNoneExist: search } };
  // A conditional update carries no id: the server keeps the one it gave (or gives one); the Bundle's references use fullUrl.
  const { id: _id, ...resource } = e.resource;
  return { fullUrl, resource: resource as Resource, request: { method: 'PUT', url: `${type}?${search}` } };
}

/** The « Courbes » section's words: the cabin's first seconds of each connection, and the doctor's kept passages. */
function curvesText(pleth: readonly PlethExcerpt[]): string {
  const marked = pleth.filter((p) => p.marked).length;
  const first = pleth.length - marked;
  const parts = [
    ...(first > 0 ? [`${first} extrait(s) du pléthysmogramme, les premières secondes de chaque connexion de l’oxymètre`] : []),
    ...(marked > 0 ? [`${marked} passage(s) du pléthysmogramme marqué(s) par le médecin pendant la téléconsultation`] : []),
  ];
  return `${parts.join(' ; ')}.`;
}

/** What the device said about a reading, in French words, for the observation's note. */
function noteOf(flags: readonly string[], r: Pick<StoredReportReading, 'deviceClock' | 'reported'>): string {
  const parts = [...flags.map((f) => `signalé par l’appareil : ${f}`)];
  if (r.deviceClock?.state === 'unset') parts.push('horloge de l’appareil non réglée : heure de réception');
  if (r.deviceClock?.state === 'skewed' && r.deviceClock.offsetMs !== undefined) parts.push(`horloge de l’appareil décalée de ${Math.round(r.deviceClock.offsetMs / 60_000)} min`);
  if (r.reported) parts.push(`valeur sur l’appareil : ${r.reported.value.toFixed(r.reported.decimals)} ${r.reported.unit}`);
  return parts.join(' ; ');
}
