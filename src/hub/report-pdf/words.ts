import type { Language } from '../../shared/language.ts';
import type { ObservationFlag } from '../../shared/observation.ts';
import type { IdentityStatus, Sex } from '../../shared/patient-identity.ts';

/**
 * The report's words, French first. The PDF is written in French and in one second language: the patient's, or
 * English for an Arabic-speaking patient (pdfkit lays out Arabic words left to right: see `ARABIC_NOTICE`).
 */
export type WordLanguage = 'fr' | 'en';

export const WORDS = {
  fr: {
    title: 'Compte rendu de téléconsultation',
    cabin: 'Cabine',
    patient: 'Patient',
    unidentified: 'Patient non identifié',
    unidentifiedHint: 'Aucune identité n’a été enregistrée pour cette consultation.',
    identity: 'Fiabilité de l’identité',
    language: 'Langue du patient',
    born: 'né(e) le',
    birthplace: 'lieu de naissance (code INSEE)',
    sex: 'sexe',
    usedName: 'nom utilisé',
    usedFirstName: 'prénom utilisé',
    ins: 'INS',
    doctor: 'Médecin',
    noDoctor: 'Aucun médecin n’a pris la consultation',
    date: 'Date',
    requested: 'Demande',
    start: 'Début',
    end: 'Fin',
    notEnded: 'non terminée',
    state: 'État',
    participants: 'Participants',
    participantDoctor: 'médecin, à distance',
    participantPatient: 'patient, en cabine',
    readings: 'Mesures',
    noReadings: 'Aucune mesure.',
    spots: 'Mesures ponctuelles',
    continuous: 'Mesures continues, résumées par minute',
    continuousHint:
      'Les mesures continues (oxymètre en continu) sont résumées par appareil et par grandeur : minimum, médiane et maximum de chaque minute ; le dossier FHIR contient chaque valeur.',
    time: 'Heure',
    device: 'Appareil',
    measure: 'Grandeur',
    value: 'Valeur',
    remarks: 'Remarques',
    minute: 'Minute',
    count: 'Nombre',
    min: 'Min.',
    median: 'Médiane',
    max: 'Max.',
    trends: 'Tendances',
    bpTrend: 'Pression artérielle (mmHg)',
    spo2Trend: 'Saturation en oxygène (%)',
    plethMarked: 'Passages du pléthysmogramme marqués par le médecin',
    plethMarkedHelp: 'Courbes gardées par le médecin pendant la téléconsultation, telles que l’oxymètre les a tracées (sans unité) ; le dossier FHIR en contient chaque valeur.',
    snapshots: 'Images de l’otoscope',
    snapshotUnreadable: 'image illisible',
    devices: 'Appareils',
    serial: 'N° de série',
    versions: 'Versions',
    identifiers: 'Identifiants',
    notes: 'Notes et conclusion du médecin',
    noNotes: 'Aucune note.',
    incidents: 'Incidents techniques',
    noIncidents: 'Aucun incident technique.',
    source: 'Origine',
    detail: 'Détail',
    sideDoctor: 'console du médecin',
    sideCabin: 'cabine',
    sideHub: 'serveur',
    bundleHash: 'Empreinte SHA-256 du Bundle FHIR correspondant',
    generated: 'Document produit le',
    page: 'page',
    fromCabin: 'transmise par la cabine après l’appel',
    reported: 'sur l’appareil',
    clockUnset: 'horloge de l’appareil non réglée : heure de réception',
    clockSkewed: 'horloge de l’appareil décalée de',
    otherDay: 'le',
    timesIn: 'Heures de Paris',
    absent: 'mesure impossible (l’appareil a répondu «\u00a0{said}\u00a0»)',
    absentReserved: 'valeur réservée',
    meanAbsent: 'moyenne\u00a0: non fournie par l’appareil',
  },
  en: {
    title: 'Teleconsultation report',
    cabin: 'Cabin',
    patient: 'Patient',
    unidentified: 'Unidentified patient',
    unidentifiedHint: 'No identity was recorded for this consultation.',
    identity: 'Identity reliability',
    language: 'Patient’s language',
    born: 'born on',
    birthplace: 'birthplace (INSEE code)',
    sex: 'sex',
    usedName: 'used name',
    usedFirstName: 'used first name',
    ins: 'INS',
    doctor: 'Doctor',
    noDoctor: 'No doctor took the consultation',
    date: 'Date',
    requested: 'Requested',
    start: 'Start',
    end: 'End',
    notEnded: 'not ended',
    state: 'State',
    participants: 'Participants',
    participantDoctor: 'doctor, remote',
    participantPatient: 'patient, in the cabin',
    readings: 'Readings',
    noReadings: 'No readings.',
    spots: 'Spot measurements',
    continuous: 'Continuous readings, summarised per minute',
    continuousHint:
      'Continuous readings (continuous oximetry) are summarised per device and measure: minimum, median and maximum of each minute; the FHIR record holds every value.',
    time: 'Time',
    device: 'Device',
    measure: 'Measure',
    value: 'Value',
    remarks: 'Remarks',
    minute: 'Minute',
    count: 'Count',
    min: 'Min',
    median: 'Median',
    max: 'Max',
    trends: 'Trends',
    bpTrend: 'Blood pressure (mmHg)',
    spo2Trend: 'Oxygen saturation (%)',
    plethMarked: 'Pleth passages marked by the doctor',
    plethMarkedHelp: 'Curves the doctor kept during the teleconsultation, as the oximeter drew them (no unit); the FHIR record holds every value.',
    snapshots: 'Otoscope images',
    snapshotUnreadable: 'unreadable image',
    devices: 'Devices',
    serial: 'Serial number',
    versions: 'Versions',
    identifiers: 'Identifiers',
    notes: 'Doctor’s notes and conclusion',
    noNotes: 'No notes.',
    incidents: 'Technical incidents',
    noIncidents: 'No technical incidents.',
    source: 'Source',
    detail: 'Detail',
    sideDoctor: 'doctor’s console',
    sideCabin: 'cabin',
    sideHub: 'server',
    bundleHash: 'SHA-256 hash of the matching FHIR Bundle',
    generated: 'Document generated on',
    page: 'page',
    fromCabin: 'sent by the cabin after the call',
    reported: 'on the device',
    clockUnset: 'device clock not set: time of receipt',
    clockSkewed: 'device clock off by',
    otherDay: 'on',
    timesIn: 'Paris times',
    absent: 'no measurement (the device answered “{said}”)',
    absentReserved: 'reserved value',
    meanAbsent: 'mean: not given by the device',
  },
} as const satisfies Record<WordLanguage, Record<string, string>>;
export type WordKey = keyof (typeof WORDS)['fr'];

export const STATUS_WORDS: Record<WordLanguage, Record<IdentityStatus, string>> = {
  fr: {
    provisional: 'identité provisoire (déclarée, non vérifiée)',
    recovered: 'identité récupérée (téléservice INSi, sans pièce d’identité)',
    validated: 'identité validée (pièce d’identité contrôlée, INSi non consulté)',
    qualified: 'identité qualifiée (INSi et pièce d’identité)',
  },
  en: {
    provisional: 'provisional identity (declared, not checked)',
    recovered: 'retrieved identity (INSi teleservice, no identity document seen)',
    validated: 'validated identity (identity document checked, INSi not called)',
    qualified: 'qualified identity (INSi and identity document)',
  },
};

export const SEX_WORDS: Record<WordLanguage, Record<Sex, string>> = {
  fr: { female: 'féminin', male: 'masculin', other: 'autre', unknown: 'inconnu' },
  en: { female: 'female', male: 'male', other: 'other', unknown: 'unknown' },
};

export const INS_KIND_WORDS: Record<string, string> = { nir: 'NIR', nia: 'NIA', 'nir-test': 'NIR de test / test NIR' };

export const STATE_WORDS: Record<WordLanguage, Record<string, string>> = {
  fr: { waiting: 'en attente', active: 'en cours', ended: 'terminée', cancelled: 'annulée' },
  en: { waiting: 'waiting', active: 'in progress', ended: 'ended', cancelled: 'cancelled' },
};

export const FLAG_WORDS: Record<WordLanguage, Record<ObservationFlag, string>> = {
  fr: {
    movement: 'mouvement pendant la mesure',
    'cuff-loose': 'brassard mal ajusté',
    'irregular-pulse': 'pouls irrégulier',
    'pulse-above-range': 'pouls au-dessus de la plage de l’appareil',
    'pulse-below-range': 'pouls en dessous de la plage de l’appareil',
    'improper-position': 'mauvaise position de mesure',
    'early-estimate': 'estimation précoce',
    questionable: 'mesure douteuse',
    invalid: 'mesure invalide',
    calibrating: 'étalonnage en cours',
    'low-perfusion': 'perfusion faible',
    'poor-signal': 'signal de mauvaise qualité',
    'sensor-fault': 'capteur en défaut',
    'from-storage': 'lue dans la mémoire de l’appareil',
    'low-battery': 'pile faible',
    'result-too-high': 'résultat au-dessus de la plage de l’appareil',
    'result-too-low': 'résultat en dessous de la plage de l’appareil',
    'temperature-out-of-range': 'température ambiante hors de la plage de l’appareil',
    'sample-too-small': 'échantillon insuffisant',
    'device-fault': 'défaut de l’appareil',
  },
  en: {
    movement: 'movement during the measurement',
    'cuff-loose': 'cuff too loose',
    'irregular-pulse': 'irregular pulse',
    'pulse-above-range': 'pulse above the device’s range',
    'pulse-below-range': 'pulse below the device’s range',
    'improper-position': 'improper measurement position',
    'early-estimate': 'early estimate',
    questionable: 'questionable reading',
    invalid: 'invalid reading',
    calibrating: 'calibrating',
    'low-perfusion': 'low perfusion',
    'poor-signal': 'poor signal',
    'sensor-fault': 'sensor fault',
    'from-storage': 'read from the device’s memory',
    'low-battery': 'low battery',
    'result-too-high': 'result above the device’s range',
    'result-too-low': 'result below the device’s range',
    'temperature-out-of-range': 'ambient temperature outside the device’s range',
    'sample-too-small': 'sample too small',
    'device-fault': 'device fault',
  },
};

/** Short names of the measures, for the tables (the catalogue's names are long). */
export const MEASURE_WORDS: Record<WordLanguage, Record<string, string>> = {
  fr: {
    bp: 'Pression artérielle',
    MDC_PULS_OXIM_SAT_O2: 'SpO2',
    MDC_PULS_OXIM_PULS_RATE: 'Pouls (oxymètre)',
    MDC_PULS_OXIM_PERF_REL: 'Indice de perfusion',
    MDC_PULS_RATE_NON_INV: 'Pouls (brassard)',
  },
  en: {
    bp: 'Blood pressure',
    MDC_PULS_OXIM_SAT_O2: 'SpO2',
    MDC_PULS_OXIM_PULS_RATE: 'Pulse (oximeter)',
    MDC_PULS_OXIM_PERF_REL: 'Perfusion index',
    MDC_PULS_RATE_NON_INV: 'Pulse (cuff)',
  },
};

export const CLOCK_UNITS: Record<WordLanguage, Record<'s' | 'min' | 'h' | 'd', [string, string]>> = {
  fr: { s: ['s', 's'], min: ['min', 'min'], h: ['h', 'h'], d: ['jour', 'jours'] },
  en: { s: ['s', 's'], min: ['min', 'min'], h: ['h', 'h'], d: ['day', 'days'] },
};

/** The second language of the document: the patient's, English for Arabic, none for French. */
export function secondLanguage(language: Language): WordLanguage | undefined {
  return language === 'fr' ? undefined : 'en';
}

/**
 * Why an Arabic-speaking patient's copy is in French and English. pdfkit 0.20 (fontkit) joins Arabic letters but lays
 * each word out on its own, left to right, and has no bidirectional algorithm: words come out in the wrong order as
 * soon as a line holds two words, a number or a Latin name. One sentence without digits or Latin letters is laid out
 * as a single run, which fontkit orders right to left: that is all the Arabic the document holds.
 */
export const ARABIC_NOTICE = {
  fr: 'Version arabe non incluse : la bibliothèque PDF utilisée ne sait pas ordonner un texte arabe mêlé de chiffres ; ce document est en français et en anglais.',
  en: 'Arabic version not included: the PDF library used cannot order Arabic text mixed with numbers; this document is in French and English.',
  ar: 'هذا التقرير باللغتين الفرنسية والإنجليزية، ويمكن للطبيب أن يشرح لك محتواه.',
} as const;
