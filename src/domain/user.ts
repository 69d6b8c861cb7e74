/** Users' names and the messages about them, shared by the user service and the CLI (pure). */
import { PERMISSIONS } from './permission.js';

export const USERNAME_MAX_LENGTH = 255;

export const USER_MESSAGES = {
  usernameRequired: 'The Username field is required.',
  usernameTooLong: `The Username may not be greater than ${USERNAME_MAX_LENGTH} characters.`,
  usernameControl: 'The Username must not contain control characters.',
  usernameTaken: 'The Username has already been taken.',
  permissionsInvalid: `The Permissions must be among ${PERMISSIONS.join(', ')}.`,
  selfDemotion: 'You cannot remove your own administrator role.',
  selfDeletion: 'You cannot delete your own account.',
} as const;

/** Why a username cannot be used (the store decides uniqueness), or null. */
export function usernameProblem(username: string): string | null {
  const trimmed = username.trim();
  if (trimmed === '') return USER_MESSAGES.usernameRequired;
  if (trimmed.length > USERNAME_MAX_LENGTH) return USER_MESSAGES.usernameTooLong;
  for (let i = 0; i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return USER_MESSAGES.usernameControl;
  }
  return null;
}
