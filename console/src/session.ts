// The admin token lives in sessionStorage: it is gone when the tab closes, and never sent
// anywhere but in the Authorization header of admin API calls.
const TOKEN_KEY = 'meterd.adminToken'
const TIME_ZONE_KEY = 'meterd.timeZone'

export const savedToken = (): string | null => sessionStorage.getItem(TOKEN_KEY)
export const saveToken = (token: string): void => sessionStorage.setItem(TOKEN_KEY, token)
export const forgetToken = (): void => sessionStorage.removeItem(TOKEN_KEY)

export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone
export const savedTimeZone = (): string => localStorage.getItem(TIME_ZONE_KEY) ?? browserTimeZone()
export const saveTimeZone = (timeZone: string): void => localStorage.setItem(TIME_ZONE_KEY, timeZone)
