// The contract's wording of field errors (DRF's and Djoser's messages, API.md §2, §4, §5), in one place: the
// validation layer, the services and the stores answer with the same strings, so one edit changes them all.

export const MESSAGES = {
  required: 'This field is required.',
  /** DRF's IntegerField. */
  invalidInteger: 'A valid integer is required.',
  /** DRF's PrimaryKeyRelatedField, for an id that names no (selectable) row. */
  invalidPk: (id: unknown) => `Invalid pk "${String(id)}" - object does not exist.`,
  /** DRF's UniqueValidator on the user model's fields. */
  emailTaken: 'user with this email already exists.',
  usernameTaken: 'user with this username already exists.',
  /** Djoser's PasswordRetypeSerializer. */
  passwordMismatch: "The two password fields didn't match.",
} as const
