import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import en from '../locales/en.json';
import fr from '../locales/fr.json';

/** English and French, bundled (a few KB each); the choice is kept, else the browser's language. */
export const LANGUAGES = ['en', 'fr'] as const;
const LANGUAGE_KEY = 'podium.language';

export function initI18n() {
  const stored = localStorage.getItem(LANGUAGE_KEY);
  const preferred = stored ?? (navigator.language.toLowerCase().startsWith('fr') ? 'fr' : 'en');
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, fr: { translation: fr } },
    lng: preferred,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
  });
  document.documentElement.lang = i18next.language;
  i18next.on('languageChanged', (language) => {
    localStorage.setItem(LANGUAGE_KEY, language);
    document.documentElement.lang = language;
  });
}
