import type { ThreadKind } from '../generated/prisma/enums.js';
import type { PostTag } from '../policy/tags.js';

// The demo's conversations, as data: who writes what where, when (hours from the thread's opening) and
// who reacts. demo-threads.ts writes them as the threads service would.

/** A post of the demo. `hours` counts from the thread's opening; reactions list the handles that gave them. */
export interface DemoPostData {
  readonly author: string;
  readonly tag: PostTag;
  /** The organization (slug) an ORGANIZATIONAL post speaks for. */
  readonly onBehalfOf?: string;
  readonly hours: number;
  readonly body: string;
  readonly likes?: readonly string[];
  readonly useful?: readonly string[];
}

export interface DemoReply extends DemoPostData {
  /** The question's accepted answer (one per thread at most). */
  readonly accepted?: boolean;
  /** Answers to this reply: one level of nesting, as the service allows. */
  readonly answers?: readonly DemoPostData[];
}

export interface DemoThread {
  readonly community: string;
  readonly title: string;
  readonly kind: ThreadKind;
  readonly daysAgo: number;
  readonly pinned?: boolean;
  readonly opening: Omit<DemoPostData, 'hours'>;
  readonly replies: readonly DemoReply[];
}

const DIPUTACION = 'diputacion-valdeserra';
const VILLANUEVA = 'villanueva-del-rio';

export const DEMO_THREADS: readonly DemoThread[] = [
  {
    community: 'urbanismo-provincial',
    title: '¿Declaración responsable o licencia para cambiar la carpintería exterior?',
    kind: 'QUESTION',
    daysAgo: 12,
    opening: {
      author: 'lucia-martin',
      tag: 'PROFESSIONAL',
      body: `En Villanueva nos llegan muchas solicitudes para cambiar ventanas y persianas en el casco histórico. Con la modificación de la ordenanza, las obras menores que no afectan a la estructura van por **declaración responsable**, pero en las fachadas de edificios catalogados tenemos dudas.

¿Cómo lo tramitáis en vuestros municipios? ¿Pedís informe previo de patrimonio o lo revisáis en la comprobación posterior?

#licencias #ObraMenor`,
      likes: ['jordi-puig'],
    },
    replies: [
      {
        author: 'jordi-puig',
        tag: 'PROFESSIONAL',
        hours: 3,
        accepted: true,
        body: `En la mayoría de municipios de la red lo resolvemos así:

1. Fuera del ámbito protegido: declaración responsable con fotografías y presupuesto.
2. En edificios catalogados: licencia de obra menor con informe técnico previo, porque la declaración responsable no permite valorar la afección al elemento protegido.

El criterio está en el artículo 11 de la ordenanza tipo. @lucia-martin, si quieres te paso el modelo de informe técnico que usa Sant Miquel.`,
        likes: ['lucia-martin'],
        useful: ['lucia-martin', 'ana-ruiz'],
        answers: [
          {
            author: 'lucia-martin',
            tag: 'PROFESSIONAL',
            hours: 5,
            body: 'Gracias, @jordi-puig. Sí, pásamelo: así unificamos el criterio técnico con el resto de municipios de la comarca.',
          },
        ],
      },
      {
        author: 'ana-ruiz',
        tag: 'PROFESSIONAL',
        hours: 26,
        body: 'Os recuerdo que el trámite de declaración responsable de obra menor ya está en la sede electrónica provincial, y el formulario pide las fotografías de la fachada como anexo obligatorio. #AdministraciónElectrónica',
        useful: ['jordi-puig', 'lucia-martin'],
        answers: [
          {
            author: 'jordi-puig',
            tag: 'PERSONAL',
            hours: 28,
            body: "Gràcies, Ana! M'estalvies un munt de trucades aquesta setmana, i jo que pensava passar-me el divendres al telèfon.",
            likes: ['ana-ruiz'],
          },
        ],
      },
    ],
  },
  {
    community: 'urbanismo-provincial',
    title: 'Jornada técnica sobre la ordenanza tipo de obras menores',
    kind: 'ANNOUNCEMENT',
    daysAgo: 20,
    pinned: true,
    opening: {
      author: 'jordi-puig',
      tag: 'ORGANIZATIONAL',
      onBehalfOf: DIPUTACION,
      body: `La Diputación Provincial de Valdeserra convoca a los técnicos municipales a la jornada sobre la ordenanza tipo de obras menores y declaraciones responsables, que tendrá lugar el próximo jueves a las 10:00 en el salón de actos de la Diputación y en línea.

Queda abierto el plazo de inscripción en la sede electrónica. #licencias`,
      likes: ['lucia-martin', 'ana-ruiz'],
    },
    replies: [
      {
        author: 'lucia-martin',
        tag: 'PROFESSIONAL',
        hours: 4,
        body: 'Asistiremos dos técnicos de urbanismo de Villanueva. ¿Se grabará la sesión para los compañeros que no puedan asistir?',
        answers: [
          {
            author: 'jordi-puig',
            tag: 'ORGANIZATIONAL',
            onBehalfOf: DIPUTACION,
            hours: 6,
            body: 'La Diputación publicará la grabación y la presentación de la jornada en la sede electrónica la semana siguiente.',
            useful: ['lucia-martin'],
          },
        ],
      },
    ],
  },
  {
    community: 'urbanismo-provincial',
    title: 'Per què una xarxa de tècnics municipals?',
    kind: 'DISCUSSION',
    daysAgo: 30,
    opening: {
      author: 'jordi-puig',
      tag: 'PROFESSIONAL',
      body: `Fa anys que parlem d'una xarxa per als tècnics municipals que serveixi per compartir coneixement pràctic i resoldre problemes de la feina, no per fer comunicació institucional. Ara la tenim.

Proposo que cada municipi comparteixi els models d'informe i les plantilles que fa servir. Què en penseu? #XarxaTècnica`,
      likes: ['lucia-martin', 'ana-ruiz'],
    },
    replies: [
      {
        author: 'lucia-martin',
        tag: 'PROFESSIONAL',
        hours: 2,
        body: 'De acuerdo. Empiezo yo: esta semana subo la plantilla de informe técnico de obra menor que usamos en Villanueva. #ObraMenor',
        likes: ['jordi-puig'],
        useful: ['ana-ruiz'],
      },
      {
        author: 'ana-ruiz',
        tag: 'PERSONAL',
        hours: 30,
        body: 'Me hace mucha ilusión ver esto funcionando después de tantos años hablándolo en los pasillos. ¡Gracias a todos!',
        likes: ['jordi-puig', 'lucia-martin'],
      },
    ],
  },
  {
    community: 'contratacion-publica',
    title: 'Contratos menores: ¿cómo controláis el fraccionamiento?',
    kind: 'QUESTION',
    daysAgo: 6,
    opening: {
      author: 'lucia-martin',
      tag: 'PROFESSIONAL',
      body: 'Tras el último informe de la intervención nos piden justificar que no fraccionamos el objeto de los contratos menores. ¿Qué herramienta usáis para sumar los importes por proveedor y objeto a lo largo del ejercicio? #contratación #ContratosMenores',
    },
    replies: [
      {
        author: 'ana-ruiz',
        tag: 'PROFESSIONAL',
        hours: 5,
        body: 'En la Diputación lo sacamos del registro de contratos: un informe mensual agrupado por CPV y proveedor que revisa la intervención. Si os sirve, lo podemos adaptar para los ayuntamientos de la provincia.',
        useful: ['lucia-martin', 'jordi-puig'],
        answers: [
          {
            author: 'lucia-martin',
            tag: 'PROFESSIONAL',
            hours: 7,
            body: 'Nos serviría mucho, sobre todo para los contratos de mantenimiento, que son los que más se repiten.',
          },
        ],
      },
      {
        author: 'pablo-ortega',
        tag: 'PROFESSIONAL',
        hours: 22,
        body: 'Lo estudiamos el año pasado en la universidad: el criterio de las juntas consultivas es mirar la unidad funcional del objeto del contrato, no solo el importe acumulado. Os dejo nuestro resumen: https://investigacion.uvaldeserra.example/contratos-menores',
        useful: ['ana-ruiz'],
      },
    ],
  },
  {
    community: 'contratacion-publica',
    title: 'Datos abiertos de contratación: ¿Plataforma del Estado o portal propio?',
    kind: 'DISCUSSION',
    daysAgo: 9,
    opening: {
      author: 'pablo-ortega',
      tag: 'PROFESSIONAL',
      body: 'Preparamos un estudio sobre la publicación de los datos de contratación en los portales de transparencia municipales. ¿Publicáis solo en la Plataforma de Contratación del Sector Público o también en vuestro portal? Cualquier experiencia nos ayuda. #transparencia #DatosAbiertos',
    },
    replies: [
      {
        author: 'jordi-puig',
        tag: 'PROFESSIONAL',
        hours: 20,
        body: 'Los municipios pequeños de la provincia publican solo en la Plataforma; la Diputación los enlaza desde su portal de transparencia. @pablo-ortega, te puedo pasar el listado de municipios adheridos.',
        likes: ['pablo-ortega'],
      },
      {
        author: 'ana-ruiz',
        tag: 'PROFESSIONAL',
        hours: 27,
        body: 'Nosotros exportamos cada noche los contratos en CSV al portal de datos abiertos. El problema no es la publicación sino la calidad de los datos de origen. #DatosAbiertos',
        useful: ['pablo-ortega', 'jordi-puig'],
      },
    ],
  },
  {
    community: 'participacion-villanueva',
    title: '¿Cómo me empadrono si vivo de alquiler en una habitación?',
    kind: 'QUESTION',
    daysAgo: 4,
    opening: {
      author: 'carmen-vidal',
      tag: 'PERSONAL',
      body: 'Hola, me he mudado a Villanueva hace un mes y alquilo una habitación en un piso compartido. ¿Puedo empadronarme aunque el piso no sea mío? Lo necesito para matricular a mi hija en el colegio. #padrón',
    },
    replies: [
      {
        author: 'lucia-martin',
        tag: 'PROFESSIONAL',
        hours: 2,
        accepted: true,
        body: `Sí, puede. Para el padrón basta con acreditar que vive ahí: el contrato de alquiler de la habitación, aunque sea privado, o una factura de suministros a su nombre. Si no tiene ningún documento, los servicios municipales pueden comprobar la residencia.

La cita previa se pide en la sede electrónica o en la oficina de atención ciudadana. #padrón`,
        likes: ['carmen-vidal'],
        useful: ['carmen-vidal', 'jordi-puig'],
        answers: [
          {
            author: 'carmen-vidal',
            tag: 'PERSONAL',
            hours: 4,
            body: '¡Muchas gracias! Tengo el contrato, así que pediré cita esta semana.',
            likes: ['lucia-martin'],
          },
        ],
      },
    ],
  },
  {
    community: 'participacion-villanueva',
    title: 'Cita previa electrónica para el padrón y los certificados',
    kind: 'ANNOUNCEMENT',
    daysAgo: 2,
    opening: {
      author: 'lucia-martin',
      tag: 'ORGANIZATIONAL',
      onBehalfOf: VILLANUEVA,
      body: 'El Ayuntamiento de Villanueva del Río informa de que desde el lunes la cita previa para el padrón municipal y los certificados de empadronamiento se pide en la sede electrónica. La oficina de atención ciudadana mantiene su horario de 9:00 a 14:00. #padrón #AdministraciónElectrónica',
      likes: ['carmen-vidal'],
      useful: ['jordi-puig'],
    },
    replies: [
      {
        author: 'carmen-vidal',
        tag: 'PERSONAL',
        hours: 3,
        body: '¿Y las personas mayores que no usan internet? Mi madre no tiene certificado digital y no sabe pedir cita por el móvil.',
        likes: ['pablo-ortega'],
        answers: [
          {
            author: 'lucia-martin',
            tag: 'ORGANIZATIONAL',
            onBehalfOf: VILLANUEVA,
            hours: 5,
            body: 'Se podrá seguir pidiendo cita por teléfono en el 010 y en la propia oficina. El Ayuntamiento ofrece además ayuda para obtener el certificado digital los martes por la mañana.',
            useful: ['carmen-vidal'],
          },
        ],
      },
    ],
  },
  {
    community: 'participacion-villanueva',
    title: 'Propuesta: actas de los plenos en lectura fácil',
    kind: 'DISCUSSION',
    daysAgo: 8,
    opening: {
      author: 'carmen-vidal',
      tag: 'PERSONAL',
      body: 'Leo siempre las actas de los plenos, pero me cuesta mucho entenderlas. Me gustaría que se publicara un resumen en lectura fácil de cada pleno: qué se aprobó y cómo nos afecta a los vecinos. ¿Qué os parece? #transparencia',
      likes: ['pablo-ortega', 'lucia-martin'],
    },
    replies: [
      {
        author: 'pablo-ortega',
        tag: 'PROFESSIONAL',
        hours: 6,
        body: 'Hay experiencias en otros ayuntamientos con resúmenes en lectura fácil validados por personas con discapacidad intelectual. @lucia-martin, desde el grupo de gobierno abierto de la universidad podríamos colaborar en el piloto.',
        likes: ['carmen-vidal', 'lucia-martin'],
      },
      {
        author: 'lucia-martin',
        tag: 'PROFESSIONAL',
        hours: 24,
        body: 'Lo llevo a la próxima reunión del grupo de participación. Para empezar, podríamos probarlo con el pleno de presupuestos.',
        likes: ['carmen-vidal'],
        answers: [
          {
            author: 'carmen-vidal',
            tag: 'PERSONAL',
            hours: 25,
            body: '¡Qué bien! Si hace falta alguien para leer los borradores, yo me apunto encantada.',
            likes: ['lucia-martin', 'pablo-ortega'],
          },
        ],
      },
    ],
  },
  {
    community: 'personal-villanueva',
    title: 'Teletrabajo: abierto el plazo de solicitudes del segundo semestre',
    kind: 'ANNOUNCEMENT',
    daysAgo: 15,
    pinned: true,
    opening: {
      author: 'lucia-martin',
      tag: 'ORGANIZATIONAL',
      onBehalfOf: VILLANUEVA,
      body: 'Se comunica a todo el personal que queda abierto el plazo para solicitar el teletrabajo del segundo semestre. Las solicitudes se presentan en el portal del empleado hasta el día 30, con el informe favorable de la jefatura del servicio. #teletrabajo',
    },
    replies: [],
  },
];
