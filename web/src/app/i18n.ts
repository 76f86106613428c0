import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from './locales/en.json';
import zhCN from './locales/zh-CN.json';

export const LANGUAGES = [
  { code: 'zh-CN', label: '简体中文' },
  { code: 'en', label: 'English' },
] as const;
export type Language = (typeof LANGUAGES)[number]['code'];

const STORAGE_KEY = 'patron.language';
const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY);

i18n.use(initReactI18next).init({
  resources: { 'zh-CN': { translation: zhCN }, en: { translation: en } },
  lng: stored === 'en' ? 'en' : 'zh-CN',
  fallbackLng: false,
  interpolation: { escapeValue: false },
  returnNull: false,
});

export function setLanguage(lng: Language) {
  localStorage.setItem(STORAGE_KEY, lng);
  document.documentElement.lang = lng;
  return i18n.changeLanguage(lng);
}

export default i18n;
