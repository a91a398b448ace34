/**
 * The measures of the NHS App Management Information publication (official statistics), shared by the importer,
 * the official statistics pages and API, reconciliation and publishing.
 */
/** A published measure: our id (the catalogue metric it corresponds to), the workbook's label, CSV names. */
export interface MiMeasure {
  measure: string;
  /** The metric name in Table 1 / Table 2 / Metric Metadata. */
  label: string;
  /** Other names the publication has used for it (normalised as in normaliseLabel). */
  aliases?: readonly string[];
  /** CSV column names: the extract's own and the official one from the Metric Metadata sheet. */
  csvColumns: readonly string[];
  /** Published for England only (no ICB rows). */
  nationalOnly?: boolean;
}

/**
 * Every measure of the publication: the two of the 2025 editions, the four more ICB-level measures of the
 * April 2026 revision and the national-only all-time registrations. Ids are the metric catalogue's where the
 * product computes the same measure (metrics/*.yaml with mi_publication: true), so the two can be reconciled.
 */
export const MI_MEASURES: readonly MiMeasure[] = [
  {
    measure: 'logins',
    label: 'NHS App logins',
    aliases: ['nhs app monthly logins'],
    csvColumns: ['NHS_APP_LOGINS', 'LatestLogins'],
  },
  {
    measure: 'unique_logins',
    label: 'NHS App unique user logins',
    aliases: ['nhs app monthly unique user logins'],
    csvColumns: ['NHS_APP_UNIQUE_USER_LOGINS', 'LatestUniqueLogins'],
  },
  {
    measure: 'unique_logins_12m',
    label: 'NHS App unique user logins in 12 months',
    aliases: [
      'nhs app unique user logins in the last 12 months',
      'nhs app unique user logins over 12 months',
    ],
    csvColumns: [
      'NHS_APP_UNIQUE_USER_LOGINS_12_MONTHS',
      'NHS_APP_UNIQUE_USER_LOGINS_IN_12_MONTHS',
      'Latest12MonthUniqueLogins',
    ],
  },
  {
    measure: 'prescriptions_ordered',
    label: 'NHS App prescription orders',
    csvColumns: ['NHS_APP_PRESCRIPTION_ORDERS', 'LatestPrescriptionOrders'],
  },
  {
    measure: 'users_ordering_prescriptions',
    label: 'NHS App unique users ordering prescriptions',
    csvColumns: ['NHS_APP_UNIQUE_USERS_ORDERING_PRESCRIPTIONS', 'LatestUniquePrescriptionUsers'],
  },
  {
    measure: 'registrations',
    label: 'NHS App account registrations',
    csvColumns: ['NHS_APP_ACCOUNT_REGISTRATIONS', 'LatestRegistrations'],
  },
  {
    measure: 'registrations_all_time',
    label: 'NHS App all-time account registrations',
    aliases: ['nhs app all time account registrations'],
    csvColumns: ['NHS_APP_ALL_TIME_ACCOUNT_REGISTRATIONS', 'AllTimeRegistrations'],
    nationalOnly: true,
  },
];

/** The measure an id names. */
export function miMeasureById(id: string): MiMeasure | undefined {
  return MI_MEASURES.find((m) => m.measure === id);
}
