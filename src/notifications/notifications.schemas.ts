import { z } from 'zod';
import {
  DELIVERIES,
  DIGEST_FREQUENCIES,
  isTimeZone,
  NOTIFICATION_KINDS,
  type NotificationKind,
  WATCH_LEVELS,
} from './notification-rules.js';

// Messages are catalog keys; the routes translate them beside each field.

export const notificationParams = z.object({ notificationId: z.uuid() });

export const listQuery = z.object({ before: z.string().max(80).optional() });

/** The preferences form: one delivery per kind (`delivery.MENTION`…), the digest's frequency, hour and zone. */
export const settingsForm = z.object({
  ...(Object.fromEntries(
    NOTIFICATION_KINDS.map((kind) => [
      `delivery.${kind}`,
      z.enum(DELIVERIES, { error: 'notifications.settings.error.delivery' }),
    ]),
  ) as Record<`delivery.${NotificationKind}`, z.ZodEnum<{ [K in (typeof DELIVERIES)[number]]: K }>>),
  digestFrequency: z.enum(DIGEST_FREQUENCIES, { error: 'notifications.settings.error.frequency' }),
  digestHour: z
    .string({ error: 'notifications.settings.error.hour' })
    .regex(/^\d{1,2}$/, { error: 'notifications.settings.error.hour' })
    .transform(Number)
    .refine((hour) => hour >= 0 && hour <= 23, { error: 'notifications.settings.error.hour' }),
  timeZone: z
    .string({ error: 'notifications.settings.error.timeZoneFormat' })
    .trim()
    .min(1, { error: 'notifications.settings.error.timeZoneFormat' })
    .max(64, { error: 'notifications.settings.error.timeZoneFormat' })
    .superRefine((zone, context) => {
      if (!isTimeZone(zone)) {
        context.addIssue({
          code: 'custom',
          message: 'notifications.settings.error.timeZone',
          params: { value: zone.slice(0, 64) },
        });
      }
    }),
});

export const watchForm = z.object({
  level: z.enum(WATCH_LEVELS, { error: 'notifications.watch.error' }),
});

export const unsubscribeParams = z.object({ token: z.string().max(200) });
